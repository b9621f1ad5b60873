//! `State<S>`: the app state, built once at cold start.

use crate::{Context, Error, FromContext};

/// The app's shared state, as passed to [`App::new`](crate::App::new).
///
/// The same type works in every source's handlers and, with the `http` feature, in
/// HTTP routes (taken from the router's state, as axum's own `State` is: either may be
/// used there). The state is built once per process, at cold start, and cloned per
/// invocation: keep it cheap to clone (SDK clients are; wrap anything else in an `Arc`).
///
/// ```
/// use lambdo::{Json, State};
///
/// #[derive(Clone)]
/// struct Config { greeting: String }
///
/// async fn greet(State(config): State<Config>, Json(name): Json<String>) -> Result<String, lambdo::BoxError> {
///     Ok(format!("{}, {name}", config.greeting))
/// }
/// # let _ = lambdo::App::new(Config { greeting: "Hi".into() }).invoke(greet);
/// ```
#[derive(Debug, Default, Clone, Copy)]
pub struct State<S>(pub S);

impl<S> std::ops::Deref for State<S> {
    type Target = S;

    fn deref(&self) -> &S {
        &self.0
    }
}

impl<S> std::ops::DerefMut for State<S> {
    fn deref_mut(&mut self) -> &mut S {
        &mut self.0
    }
}

impl<S: Clone> FromContext<S> for State<S> {
    fn from_context(_context: &Context, state: &S) -> Result<Self, Error> {
        Ok(State(state.clone()))
    }
}

/// In a route, the part of the router's state it names (the whole state, or any part
/// with `FromRef`), as axum's `State` gives it.
#[cfg(feature = "http")]
impl<Outer, S> axum::extract::FromRequestParts<Outer> for State<S>
where
    S: axum::extract::FromRef<Outer>,
    Outer: Send + Sync,
{
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        _parts: &mut http::request::Parts,
        state: &Outer,
    ) -> Result<Self, Self::Rejection> {
        Ok(State(S::from_ref(state)))
    }
}
