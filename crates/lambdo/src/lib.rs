//! # lambdo
//!
//! Typed handlers for AWS Lambda. Write `async fn`s over your own `serde` types; lambdo
//! decodes each event into them (naming the JSON path when it cannot), builds the
//! response each caller expects, maps every failure to a stable `errorType`, and runs the
//! same binary in Lambda or as a local server.
//!
//! ```no_run
//! use lambdo::axum::{extract::Path, routing::get, Router};
//! use lambdo::{http::Problem, App, Json};
//!
//! #[derive(serde::Serialize)]
//! struct Todo { id: u32, title: String }
//!
//! async fn get_todo(Path(id): Path<u32>) -> Result<Json<Todo>, Problem> {
//!     if id == 1 {
//!         Ok(Json(Todo { id, title: "write the README".into() }))
//!     } else {
//!         Err(Problem::not_found(format!("todo {id} does not exist")))
//!     }
//! }
//!
//! #[tokio::main]
//! async fn main() -> Result<(), lambdo::BoxError> {
//!     App::new(()).http(Router::new().route("/todos/{id}", get(get_todo))).run().await
//! }
//! ```
//!
//! ## Concepts
//!
//! - **[`App`]** registers the sources one function handles: [`App::http`] (an axum
//!   `Router`, served for API Gateway REST and HTTP APIs, ALB and Function URLs) and
//!   [`App::invoke`] (direct invocation with any `T: DeserializeOwned`), and the event
//!   sources: [`App::sqs`] ([`sqs`]), [`App::kinesis`] ([`kinesis`]),
//!   [`App::dynamodb_stream`] ([`dynamodb`]), [`App::sns`] ([`sns`]), [`App::s3`]
//!   ([`s3`]), [`App::eventbridge`] and [`App::schedule`] ([`eventbridge`]), and API
//!   Gateway's Lambda authorizers: [`App::authorizer`] ([`authorizer`]), Cognito user
//!   pool triggers: [`App::cognito`] ([`cognito`]), WebSocket APIs:
//!   [`App::websocket`] ([`websocket`]). Batch
//!   sources report partial failures (see [`batch`]). The source of each event is
//!   detected from its shape, in the one parse that also reads it; valid JSON is never
//!   refused, and what no source takes goes to the invoke handler unchanged.
//! - **[Sources](source)**: every source implements [`source::Source`]; write your own
//!   and register it with [`App::source`].
//! - **[Handlers](Handler)** are `async fn`s whose arguments are extractors: any number of
//!   [`FromContext`] ones ([`State`], [`Context`]) and, last, at most one that consumes the
//!   payload ([`Json`]).
//! - **[Errors](Error)** carry a stable `errorType`; HTTP errors are RFC 9457
//!   [`Problem`](http::Problem) responses.
//! - **Observability**: [`run`] installs Lambda's JSON log format for `tracing` (see
//!   [`logs`]); the [`Metrics`](metrics::Metrics) extractor writes CloudWatch EMF metrics
//!   at the end of each invocation (see [`metrics`]).
//! - **Local mode**: without `AWS_LAMBDA_RUNTIME_API`, [`run`] serves the app on
//!   `127.0.0.1:3000` (see [`run`]).
//! - **The runtime**: [`run`] speaks the Lambda Runtime API itself: concurrent
//!   invocations on Lambda Managed Instances (`AWS_LAMBDA_MAX_CONCURRENCY`), HTTP
//!   responses streamed to Function URLs ([`App::stream_function_urls`]), shutdown hooks
//!   on SIGTERM ([`App::on_shutdown`]), one clear log line when the Runtime API cannot
//!   be used.
//!
//! ## Cargo features
//!
//! lambdo has no optional features yet; the sources above are always available.

/// Lambda's limit on a synchronous invocation's response payload.
pub(crate) const RESPONSE_LIMIT: usize = 6 * 1024 * 1024;

/// Visitor methods that answer `$value` for every JSON scalar (string, boolean,
/// number, null): for values that may be anything and matter only as objects or arrays.
macro_rules! scalars_answer {
    ($value:expr) => {
        fn visit_str<E: serde::de::Error>(self, _: &str) -> Result<Self::Value, E> {
            Ok($value)
        }

        fn visit_unit<E: serde::de::Error>(self) -> Result<Self::Value, E> {
            Ok($value)
        }

        numbers_answer!($value);
    };
}

/// Visitor methods for readers of an object or an array: `null` answers `$absent`, a
/// string, boolean or number `$other`.
macro_rules! scalars_are_not_containers {
    ($absent:expr, $other:expr) => {
        fn visit_unit<E: serde::de::Error>(self) -> Result<Self::Value, E> {
            Ok($absent)
        }

        fn visit_str<E: serde::de::Error>(self, _: &str) -> Result<Self::Value, E> {
            Ok($other)
        }

        numbers_answer!($other);
    };
}

/// Visitor methods that answer `$value` for booleans and numbers.
macro_rules! numbers_answer {
    ($value:expr) => {
        fn visit_bool<E: serde::de::Error>(self, _: bool) -> Result<Self::Value, E> {
            Ok($value)
        }

        fn visit_i64<E: serde::de::Error>(self, _: i64) -> Result<Self::Value, E> {
            Ok($value)
        }

        fn visit_u64<E: serde::de::Error>(self, _: u64) -> Result<Self::Value, E> {
            Ok($value)
        }

        fn visit_f64<E: serde::de::Error>(self, _: f64) -> Result<Self::Value, E> {
            Ok($value)
        }
    };
}

mod app;
pub mod authorizer;
pub mod batch;
pub mod cognito;
mod dispatch;
pub mod dynamodb;
mod error;
pub mod eventbridge;
mod extract;
mod function;
mod guard;
mod handler;
mod hooks;
pub mod http;
mod invoke;
pub mod kinesis;
mod local;
pub mod logs;
pub mod metrics;
mod records;
pub mod redact;
mod runtime;
pub mod s3;
pub mod sns;
pub mod source;
pub mod sqs;
mod text;
pub mod websocket;

/// The axum lambdo routes HTTP events with: routers, extractors and responses for
/// [`App::http`], at the version lambdo is built on (a `Router` of another axum
/// version is another type: "multiple different versions of crate `axum`").
///
/// ```
/// use lambdo::axum::{routing::get, Router};
///
/// let app = lambdo::App::new(()).http(Router::new().route("/", get(|| async { "hi" })));
/// # let _ = app;
/// ```
pub use axum;

pub use app::App;
pub use error::{BoxError, Error, FunctionError};
pub use extract::{FromContext, FromPayload, InvokePayload, Json, JsonRejection, State};
pub use function::Function;
pub use handler::{BoxFuture, Handler};
pub use invoke::IntoInvokeResponse;
pub use lambda_runtime::{Context, Diagnostic};
pub use local::{DEFAULT_LOCAL_ADDR, INVOKE_PATH};
pub use runtime::run;
