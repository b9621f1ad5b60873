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
//!   [`logs`]: also per-invocation sampling and buffering of debug lines); the
//!   [`Metrics`](metrics::Metrics) extractor writes CloudWatch EMF metrics at the end of
//!   each invocation (see [`metrics`]); with active tracing, the spans of sampled
//!   invocations go to X-Ray as subsegments (see [`xray`]), or every span to the
//!   OpenTelemetry tracer provider you give `App::opentelemetry` (feature
//!   `opentelemetry`, see `lambdo::otel`).
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
//! Every feature but `opentelemetry` is on by default. A function that serves one source builds faster
//! and ships a smaller bootstrap with only what it uses:
//!
//! ```toml
//! # An SQS consumer: no axum, no HTTP server, no local mode.
//! lambdo = { version = "0.1", default-features = false, features = ["sqs", "metrics"] }
//! ```
//!
//! | feature | gives | pulls in |
//! |---|---|---|
//! | `http` | [`App::http`] and [`http`]: axum routes for API Gateway REST/HTTP APIs, ALB, Function URLs; [`App::cors`], [`App::body_limit`], [`App::stream_function_urls`] | axum, tower-http, lambda_http |
//! | `local` | local mode in [`run`] (implies `http`) | axum's server (hyper) |
//! | `metrics` | [`metrics`]: the EMF [`Metrics`](metrics::Metrics) extractor, [`App::metrics`] | |
//! | `sqs` | [`App::sqs`], [`sqs`] | |
//! | `sns` | [`App::sns`], [`sns`] | |
//! | `s3` | [`App::s3`], [`s3`] | |
//! | `dynamodb` | [`App::dynamodb_stream`], [`dynamodb`] (DynamoDB Streams) | |
//! | `kinesis` | [`App::kinesis`], [`kinesis`] | |
//! | `eventbridge` | [`App::eventbridge`], [`App::schedule`], [`eventbridge`] | |
//! | `cognito` | [`App::cognito`], [`cognito`] | |
//! | `authorizer` | [`App::authorizer`], [`authorizer`] | |
//! | `websocket` | [`App::websocket`], [`websocket`] | |
//! | `xray` | [`xray`]: spans of sampled invocations as X-Ray subsegments, sent to the daemon | |
//! | `opentelemetry` (not in `default`) | `App::opentelemetry` and `lambdo::otel`: every span to your OpenTelemetry tracer provider instead of X-Ray | opentelemetry, opentelemetry_sdk, tracing-opentelemetry |
//!
//! Always there: [`App::invoke`] (direct invocation), [`App::source`] (your own
//! sources, see [`source`]), [`batch`], [`logs`], the Runtime API client with
//! streaming, Managed Instances and shutdown hooks. Without `local`, [`run`] outside
//! Lambda returns an error that says so: run the function under `cargo lambda watch`
//! (a local Runtime API) instead.
//!
//! The "pulls in" column is what `cargo tree` shows: the event types come from
//! `aws_lambda_events`, one of its features per source.

#![cfg_attr(docsrs, feature(doc_cfg))]
// The shared parts (the batch engine, the JSON readers) serve sources that a build
// may leave out: unused code is checked in the build with every feature on.
#![cfg_attr(
    not(all(
        feature = "http",
        feature = "local",
        feature = "metrics",
        feature = "sqs",
        feature = "sns",
        feature = "s3",
        feature = "dynamodb",
        feature = "kinesis",
        feature = "eventbridge",
        feature = "cognito",
        feature = "authorizer",
        feature = "websocket",
        feature = "xray"
    )),
    allow(dead_code, unused_imports)
)]

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
#[cfg(feature = "authorizer")]
pub mod authorizer;
pub mod batch;
#[cfg(feature = "cognito")]
pub mod cognito;
mod dispatch;
#[cfg(feature = "dynamodb")]
pub mod dynamodb;
mod error;
#[cfg(feature = "eventbridge")]
pub mod eventbridge;
mod extract;
mod function;
mod guard;
mod handler;
mod hooks;
#[cfg(feature = "http")]
pub mod http;
mod invoke;
#[cfg(feature = "kinesis")]
pub mod kinesis;
#[cfg(feature = "local")]
mod local;
pub mod logs;
#[cfg(feature = "metrics")]
pub mod metrics;
#[cfg(feature = "opentelemetry")]
pub mod otel;
mod records;
pub mod redact;
mod runtime;
#[cfg(feature = "s3")]
pub mod s3;
#[cfg(feature = "sns")]
pub mod sns;
pub mod source;
#[cfg(feature = "sqs")]
pub mod sqs;
mod text;
#[cfg(feature = "websocket")]
pub mod websocket;
#[cfg(feature = "xray")]
pub mod xray;

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
#[cfg(feature = "http")]
pub use axum;

pub use app::App;
pub use error::{BoxError, Error, FunctionError};
pub use extract::{FromContext, FromPayload, InvokePayload, Json, State};
pub use function::Function;
pub use handler::{BoxFuture, Handler};
#[cfg(feature = "http")]
pub use http::JsonRejection;
pub use invoke::IntoInvokeResponse;
pub use lambda_runtime::{Context, Diagnostic};
#[cfg(feature = "local")]
pub use local::{DEFAULT_LOCAL_ADDR, INVOKE_PATH};
pub use runtime::{fail_init, run};
