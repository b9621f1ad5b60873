//! `State<S>`: the app state, built once at cold start.

use crate::{Context, Error, FromContext};

/// The app's shared state, as passed to [`App::new`](crate::App::new).
///
/// This is axum's own `State`, so the same type works in HTTP routes (through the
/// router's state) and in every other source's handlers. The state is built once per
/// process, at cold start, and cloned per invocation: keep it cheap to clone (SDK clients
/// are; wrap anything else in an `Arc`).
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
pub use axum::extract::State;

impl<S: Clone> FromContext<S> for State<S> {
    fn from_context(_context: &Context, state: &S) -> Result<Self, Error> {
        Ok(State(state.clone()))
    }
}
