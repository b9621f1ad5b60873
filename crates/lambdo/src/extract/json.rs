//! `Json<T>`: a typed JSON payload, for direct invocations and HTTP bodies alike.

use serde::de::DeserializeOwned;

use crate::{Context, Error, FromPayload, InvokePayload};

/// A JSON value of type `T`.
///
/// - As the last argument of a direct-invocation handler, the event decoded into `T`;
///   a mismatch fails the invocation with `Lambdo.EventDecode` naming the JSON path.
/// - As the last argument of an HTTP route, the request body; a wrong content type is a
///   415, malformed JSON a 400 and well-formed JSON of the wrong shape a 422 naming the
///   field, all as `application/problem+json`.
/// - As an HTTP response, `T` serialized with `Content-Type: application/json`.
///
/// With the `http` feature (see [`JsonRejection`](crate::JsonRejection)):
///
/// ```
/// # #[cfg(feature = "http")] {
/// use lambdo::Json;
///
/// #[derive(serde::Deserialize, serde::Serialize)]
/// struct Todo { title: String }
///
/// async fn create(Json(todo): Json<Todo>) -> Json<Todo> {
///     Json(todo)
/// }
/// let _router: lambdo::axum::Router = lambdo::axum::Router::new().route("/todos", lambdo::axum::routing::post(create));
/// # }
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Json<T>(pub T);

impl<S, T: DeserializeOwned> FromPayload<S, InvokePayload> for Json<T> {
    fn from_payload(payload: InvokePayload, _context: &Context, _state: &S) -> Result<Self, Error> {
        Error::decode(payload.as_bytes(), std::any::type_name::<T>()).map(Json)
    }
}
