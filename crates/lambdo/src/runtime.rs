//! `run`: Lambda's Runtime API when it is there, a local server when it is not.

use bytes::Bytes;
use lambda_runtime::{layers::TracingLayer, service_fn, LambdaEvent, Runtime};
use serde_json::value::RawValue;

use crate::{local, BoxError, Function};

/// Runs `function` until the process is stopped.
///
/// - **In Lambda** (`AWS_LAMBDA_RUNTIME_API` is set): polls the Runtime API for events,
///   one at a time, and posts each response or error (`Diagnostic`) back.
/// - **Locally** (`AWS_LAMBDA_RUNTIME_API` is unset): serves the HTTP routes on
///   `LAMBDO_LOCAL_ADDR` (default `127.0.0.1:3000`) and accepts raw events for any source
///   at `POST /2015-03-31/functions/function/invocations`, the path of AWS's Runtime
///   Interface Emulator. Ctrl-C (or SIGTERM) stops it cleanly.
///
/// Installs a default `tracing` subscriber (level from `AWS_LAMBDA_LOG_LEVEL`, then
/// `RUST_LOG`, default `info`) unless the program already set one.
///
/// ```no_run
/// use lambdo::{App, Json};
///
/// async fn echo(Json(value): Json<serde_json::Value>) -> Result<serde_json::Value, lambdo::BoxError> {
///     Ok(value)
/// }
///
/// #[tokio::main]
/// async fn main() -> Result<(), lambdo::BoxError> {
///     lambdo::run(App::new(()).invoke(echo).into_function()).await
/// }
/// ```
pub async fn run(function: Function) -> Result<(), BoxError> {
    install_default_subscriber();
    if std::env::var_os("AWS_LAMBDA_RUNTIME_API").is_some() {
        run_on_lambda(function).await
    } else {
        local::serve(function, local::address_from_env()?).await
    }
}

async fn run_on_lambda(function: Function) -> Result<(), BoxError> {
    let service = service_fn(move |event: LambdaEvent<Box<RawValue>>| {
        let function = function.clone();
        async move {
            let text: Box<str> = event.payload.into();
            function
                .call(Bytes::from(String::from(text)), event.context)
                .await
        }
    });
    Runtime::new(service).layer(TracingLayer::new()).run().await
}

fn install_default_subscriber() {
    use tracing_subscriber::EnvFilter;

    let level = std::env::var("AWS_LAMBDA_LOG_LEVEL")
        .ok()
        .map(|level| level.to_ascii_lowercase())
        .or_else(|| std::env::var("RUST_LOG").ok())
        .unwrap_or_else(|| "info".to_owned());
    let in_lambda = std::env::var_os("AWS_LAMBDA_RUNTIME_API").is_some();
    // A program (or a test) that installed its own subscriber keeps it.
    let _ = tracing_subscriber::fmt()
        .with_env_filter(EnvFilter::try_new(&level).unwrap_or_else(|_| EnvFilter::new("info")))
        .with_ansi(!in_lambda)
        .with_writer(std::io::stderr)
        .try_init();
}
