//! `run`: Lambda's Runtime API when it is there, a local server when it is not.

use std::{
    cell::RefCell,
    future::Future,
    pin::Pin,
    task::{Context as TaskContext, Poll},
};

use bytes::Bytes;
use lambda_runtime::{layers::TracingLayer, service_fn, LambdaEvent, LambdaInvocation, Runtime};
use serde::de::IgnoredAny;
use tower::{Layer, Service};

use crate::{local, BoxError, Error, Function};

/// Runs `function` until the process is stopped.
///
/// - **In Lambda** (`AWS_LAMBDA_RUNTIME_API` is set): polls the Runtime API for events,
///   one at a time, and posts each response or error (`Diagnostic`) back.
/// - **Locally** (`AWS_LAMBDA_RUNTIME_API` is unset): serves the HTTP routes on
///   `LAMBDO_LOCAL_ADDR` (default `127.0.0.1:3000`) and accepts raw events for any source
///   at `POST /2015-03-31/functions/function/invocations`, the path of AWS's Runtime
///   Interface Emulator. Ctrl-C (or SIGTERM) stops it cleanly.
///
/// Installs a default `tracing` subscriber unless the program already set one: Lambda's
/// JSON log format in Lambda, text locally (see [`crate::logs`]).
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
    let function = function.served();
    crate::logs::install_default(std::env::var_os("AWS_LAMBDA_RUNTIME_API").is_some());
    if std::env::var_os("AWS_LAMBDA_RUNTIME_API").is_some() {
        run_on_lambda(function).await
    } else {
        local::serve(function, local::address_from_env()?).await
    }
}

async fn run_on_lambda(function: Function) -> Result<(), BoxError> {
    let started_ms = epoch_ms();
    let service = service_fn(move |event: LambdaEvent<IgnoredAny>| {
        let function = function.clone();
        async move {
            let bytes = RAW_EVENT
                .try_with(|slot| slot.borrow_mut().take())
                .ok()
                .flatten()
                .ok_or_else(|| Error::Handler("the raw event did not reach the handler".into()))?;
            function
                .call(bytes, usable_deadline(event.context, started_ms))
                .await
        }
    });
    // Built inside the guard too: it panics on a missing Lambda variable.
    let runtime = async {
        Runtime::new(service)
            .layer(TracingLayer::new())
            .layer(RawEventLayer)
            .run()
            .await
    };
    quiet_runtime_panics();
    let why = match futures_util::FutureExt::catch_unwind(std::panic::AssertUnwindSafe(runtime)).await {
        Ok(Ok(())) => return Ok(()),
        Ok(Err(error)) => format!("the Lambda Runtime API failed: {error}"),
        Err(panic) => format!(
            "lambda_runtime stopped on what it did not expect: {}",
            crate::error::panic_message(panic.as_ref())
        ),
    };
    // One line that says what failed, then the exit Lambda reports as `Runtime.ExitError`
    // (returned to `main`, the error would be printed again in `Debug` form).
    tracing::error!(error = %why, "lambdo stops: the Runtime API cannot be served");
    std::process::exit(1)
}

/// `lambda_runtime` panics on some Runtime API answers it did not expect (a `/next`
/// without a request id); lambdo reports those itself, in one line, so the default
/// panic message (several lines on stderr) is left out for panics inside it. Panics
/// anywhere else are printed as before.
fn quiet_runtime_panics() {
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let inside_runtime = info
            .location()
            .is_some_and(|location| location.file().contains("lambda_runtime"));
        if !inside_runtime {
            previous(info);
        }
    }));
}

fn epoch_ms() -> u64 {
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH);
    now.map_or(0, |now| now.as_millis() as u64)
}

/// `context` with its deadline if it can be real, else with none (`0`).
///
/// `cargo lambda watch` sends a constant `Lambda-Runtime-Deadline-Ms: 600000` (ten
/// minutes after 1970), not an epoch time. Taken at its word, the batch engine's
/// deadline guard would start no record and idempotency claims would expire at once.
/// A deadline before this process started cannot be an invocation's: lambdo says so
/// once and runs the invocation without one.
fn usable_deadline(mut context: lambda_runtime::Context, started_ms: u64) -> lambda_runtime::Context {
    static WARNED: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);
    if context.deadline != 0 && context.deadline < started_ms {
        if !WARNED.swap(true, std::sync::atomic::Ordering::Relaxed) {
            tracing::warn!(
                deadline_ms = context.deadline,
                "the Runtime API sent a deadline before this process started (cargo lambda watch \
                 does): invocations run without a deadline"
            );
        }
        context.deadline = 0;
    }
    context
}

tokio::task_local! {
    /// The event bytes of the invocation being handled.
    static RAW_EVENT: RefCell<Option<Bytes>>;
}

/// Hands the event's bytes to lambdo untouched.
///
/// `lambda_runtime` deserializes every event into the handler's payload type before
/// calling it; lambdo reads the event itself, in one pass that also detects its source.
/// This layer takes the body the runtime received, gives the runtime `null` to
/// deserialize (into `IgnoredAny`, for free) and makes the real bytes available to the
/// handler for the duration of this invocation's future.
#[derive(Clone, Copy)]
struct RawEventLayer;

impl<S> Layer<S> for RawEventLayer {
    type Service = RawEventService<S>;

    fn layer(&self, inner: S) -> Self::Service {
        RawEventService { inner }
    }
}

struct RawEventService<S> {
    inner: S,
}

impl<S> Service<LambdaInvocation> for RawEventService<S>
where
    S: Service<LambdaInvocation, Response = (), Error = BoxError>,
    S::Future: Send + 'static,
{
    type Response = ();
    type Error = BoxError;
    type Future = Pin<Box<dyn Future<Output = Result<(), BoxError>> + Send>>;

    fn poll_ready(&mut self, cx: &mut TaskContext<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut invocation: LambdaInvocation) -> Self::Future {
        let event = std::mem::replace(&mut invocation.body, Bytes::from_static(b"null"));
        let future = self.inner.call(invocation);
        Box::pin(RAW_EVENT.scope(RefCell::new(Some(event)), future))
    }
}
