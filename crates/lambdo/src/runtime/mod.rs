//! `run`: Lambda's Runtime API when it is there, a local server when it is not.

mod api;
mod outgoing;
mod shutdown;

use std::sync::Arc;

use bytes::Bytes;

use crate::{source::Answer, BoxError, Context, Function};
use api::{Next, NextError, RuntimeApi};
use outgoing::Outgoing;

/// Runs `function` until the process is stopped.
///
/// - **In Lambda** (`AWS_LAMBDA_RUNTIME_API` is set): polls the Runtime API for events
///   and posts each response or error (`Diagnostic`) back: one at a time, or up to
///   `AWS_LAMBDA_MAX_CONCURRENCY` at once on Lambda Managed Instances (each with its own
///   logs' fields, metrics and deadline). A Runtime API that cannot be used (it
///   answers 500, or nothing, after retries) ends the process with one log line and
///   exit code 1. With [`App::on_shutdown`](crate::App::on_shutdown) hooks, SIGTERM
///   runs them and ends the process.
/// - **Locally** (`AWS_LAMBDA_RUNTIME_API` is unset): serves the HTTP routes on
///   `LAMBDO_LOCAL_ADDR` (default `127.0.0.1:3000`) and accepts raw events for any source
///   at `POST /2015-03-31/functions/function/invocations`, the path of AWS's Runtime
///   Interface Emulator. Ctrl-C (or SIGTERM) stops it cleanly. Local mode is the
///   `local` feature (on by default); without it, `run` says so and returns an error
///   (run the function under `cargo lambda watch` instead, which is a Runtime API).
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
    let in_lambda = std::env::var_os("AWS_LAMBDA_RUNTIME_API").is_some();
    install_subscriber(in_lambda, function.tracer());
    if in_lambda {
        run_on_lambda(function).await
    } else {
        serve_locally(function).await
    }
}

/// Installs lambdo's default subscriber (see [`crate::logs`]), with the app's own
/// tracer (OpenTelemetry) if it has one, else the X-Ray tracer in Lambda when the
/// daemon's address is set.
fn install_subscriber(in_lambda: bool, tracer: Option<crate::logs::Tracer>) {
    #[cfg(feature = "xray")]
    let tracer = tracer.or_else(|| {
        Some(crate::xray::XRayLayer::from_env())
            .filter(|xray| in_lambda && xray.is_on())
            .map(|xray| Box::new(xray) as crate::logs::Tracer)
    });
    crate::logs::install_default(in_lambda, tracer);
}

#[cfg(feature = "local")]
async fn serve_locally(function: Function) -> Result<(), BoxError> {
    crate::local::serve(function, crate::local::address_from_env()?).await
}

#[cfg(not(feature = "local"))]
async fn serve_locally(_function: Function) -> Result<(), BoxError> {
    Err(
        "AWS_LAMBDA_RUNTIME_API is not set, and this build of lambdo has no local mode \
         (its `local` feature): run the function in Lambda, under `cargo lambda watch`, \
         or with lambdo's `local` feature"
            .into(),
    )
}

/// Ends a cold start that cannot go on (a setting missing, a dependency that cannot be
/// reached): call it where `main` would return the error before the app runs.
///
/// - **In Lambda** (`AWS_LAMBDA_RUNTIME_API` is set) it logs the error, posts it to the
///   Runtime API as the initialization error (the invoker gets its `errorType` and
///   message; a [`FunctionError`](crate::FunctionError) keeps its own type, anything
///   else is `Lambdo.InitError`) and ends the process with exit code 1, as Lambda expects
///   of a failed init. It does not return.
/// - **Elsewhere** it logs the error and returns it, for `main` to return.
///
/// [`App::run`](crate::App::run) ends this way when the app's settings cannot be used.
///
/// ```no_run
/// #[tokio::main(flavor = "current_thread")]
/// async fn main() -> Result<(), lambdo::BoxError> {
///     let Ok(table) = std::env::var("TABLE_NAME") else {
///         let error = lambdo::FunctionError::new("Orders.NotConfigured", "TABLE_NAME is not set");
///         return Err(lambdo::fail_init(error).await);
///     };
///     # let _ = table;
///     lambdo::App::new(()).run().await
/// }
/// ```
pub async fn fail_init(error: impl Into<BoxError>) -> BoxError {
    let error = error.into();
    let in_lambda = std::env::var("AWS_LAMBDA_RUNTIME_API").ok();
    install_subscriber(in_lambda.is_some(), None);
    let error_type = match error.downcast_ref::<crate::FunctionError>() {
        Some(own) => own.error_type().to_owned(),
        None => "Lambdo.InitError".to_owned(),
    };
    tracing::error!(error_type = error_type.as_str(), error = %error, "the function cannot start");
    let Some(address) = in_lambda else {
        return error;
    };
    let diagnostic = crate::Diagnostic {
        error_type,
        error_message: error.to_string(),
    };
    let posted = match RuntimeApi::new(&address) {
        Ok(mut api) => api
            .fail_init(&diagnostic)
            .await
            .map_err(|error| error.to_string()),
        Err(why) => Err(why),
    };
    if let Err(why) = posted {
        tracing::error!(error = %why, "the init error could not be reported to the Runtime API");
    }
    shutdown::flush_output();
    std::process::exit(1)
}

async fn run_on_lambda(function: Function) -> Result<(), BoxError> {
    let started_ms = epoch_ms();
    let lambda = match Lambda::from_env(started_ms) {
        Ok(lambda) => Arc::new(lambda),
        Err(why) => stop(&why),
    };
    let hooks = function.shutdown_hooks();
    let serving = async {
        if lambda.concurrency == 1 {
            // In this task: the invocation needs no hand-over to run.
            return worker(function, Arc::clone(&lambda)).await;
        }
        let mut workers = tokio::task::JoinSet::new();
        for _ in 0..lambda.concurrency {
            workers.spawn(worker(function.clone(), Arc::clone(&lambda)));
        }
        match workers.join_next().await {
            Some(Ok(error)) => error,
            Some(Err(failed)) => format!("a worker stopped: {failed}"),
            None => "no worker ran".to_owned(),
        }
    };
    let why = if hooks.is_empty() {
        serving.await
    } else {
        shutdown::serve_until_sigterm(&lambda.address, hooks, serving).await
    };
    stop(&why)
}

/// Ends the process on a Runtime API it cannot use: one line that says what failed,
/// then the exit Lambda reports as `Runtime.ExitError` (returned to `main`, the error
/// would be printed again in `Debug` form).
fn stop(why: &str) -> ! {
    tracing::error!(error = %why, "lambdo stops: the Runtime API cannot be served");
    shutdown::flush_output();
    std::process::exit(1)
}

/// What Lambda tells the process about itself.
struct Lambda {
    /// `AWS_LAMBDA_RUNTIME_API`.
    address: String,
    config: Arc<lambda_runtime::Config>,
    /// Invocations at once: `AWS_LAMBDA_MAX_CONCURRENCY` (Lambda Managed Instances).
    concurrency: usize,
    started_ms: u64,
}

impl Lambda {
    fn from_env(started_ms: u64) -> Result<Self, String> {
        let var = |name: &str| std::env::var(name).map_err(|_| format!("{name} is not set"));
        let memory = var("AWS_LAMBDA_FUNCTION_MEMORY_SIZE")?;
        let config = lambda_runtime::Config {
            function_name: var("AWS_LAMBDA_FUNCTION_NAME")?,
            memory: memory
                .parse()
                .map_err(|_| format!("AWS_LAMBDA_FUNCTION_MEMORY_SIZE is not a number of MB: {memory:?}"))?,
            version: var("AWS_LAMBDA_FUNCTION_VERSION")?,
            log_stream: var("AWS_LAMBDA_LOG_STREAM_NAME").unwrap_or_default(),
            log_group: var("AWS_LAMBDA_LOG_GROUP_NAME").unwrap_or_default(),
        };
        let concurrency = match std::env::var("AWS_LAMBDA_MAX_CONCURRENCY") {
            Err(_) => 1,
            Ok(value) => value
                .trim()
                .parse::<usize>()
                .ok()
                .filter(|n| *n > 0)
                .unwrap_or_else(|| {
                    tracing::warn!(
                        value,
                        "AWS_LAMBDA_MAX_CONCURRENCY is not a positive number: one invocation at a time"
                    );
                    1
                }),
        };
        Ok(Lambda {
            address: var("AWS_LAMBDA_RUNTIME_API")?,
            config: Arc::new(config),
            concurrency,
            started_ms,
        })
    }

    /// The invocation's context, from `/next`'s headers. What is missing or malformed
    /// there is left out (with a warning), never a reason to refuse the invocation.
    fn context(&self, next: &mut Next) -> Context {
        let headers = &mut next.headers;
        let deadline_ok = headers
            .get(DEADLINE)
            .and_then(|value| value.to_str().ok())
            .is_some_and(|value| value.parse::<u64>().is_ok());
        if !deadline_ok {
            headers.insert(DEADLINE, http::HeaderValue::from_static("0"));
        }
        let context =
            Context::new(&next.request_id, Arc::clone(&self.config), headers).unwrap_or_else(|_| {
                tracing::warn!(
                "the invocation's client context or Cognito identity is not the JSON Lambda sends: left out"
            );
                headers.remove("lambda-runtime-client-context");
                headers.remove("lambda-runtime-cognito-identity");
                Context::new(&next.request_id, Arc::clone(&self.config), headers).unwrap_or_default()
            });
        usable_deadline(context, self.started_ms)
    }
}

const DEADLINE: &str = "lambda-runtime-deadline-ms";

/// Takes invocations from the Runtime API and answers them, one at a time, until the
/// API cannot be used: then says why.
async fn worker(function: Function, lambda: Arc<Lambda>) -> String {
    let mut api = match RuntimeApi::new(&lambda.address) {
        Ok(api) => api,
        Err(why) => return why,
    };
    loop {
        let mut next = match api.next().await {
            Ok(next) => next,
            Err(NextError::Truncated { next, error }) => {
                let diagnostic = crate::Diagnostic {
                    error_type: "Lambdo.TruncatedEvent".to_owned(),
                    error_message: "the event did not arrive whole from the Runtime API".to_owned(),
                };
                tracing::error!(request_id = next.request_id, error = %error, "{}", diagnostic.error_message);
                match api.fail(&next, &diagnostic).await {
                    Err(error) if !error.is_refusal() => return error.to_string(),
                    _ => continue,
                }
            }
            Err(NextError::Api(error)) => return error.to_string(),
        };
        let context = lambda.context(&mut next);
        if lambda.concurrency == 1 {
            propagate_trace_id(context.xray_trace_id.as_deref());
        }
        let event = std::mem::take(&mut next.event);
        let posted = match function.answer(event, context).await.map(Answer::into_parts) {
            Ok(Ok(json)) => api.respond(&next, Outgoing::json(json_bytes(json))).await,
            Ok(Err(stream)) => api.respond_streaming(&next, stream).await,
            Err(error) => api.fail(&next, &error.into()).await,
        };
        match posted {
            Ok(()) => {}
            // Lambda reports that one to the caller (a response too large) and goes on.
            Err(error) if error.is_refusal() => {
                tracing::error!(request_id = next.request_id, error = %error, "the Runtime API refused the answer");
            }
            Err(error) => return error.to_string(),
        }
        function.answered().await;
    }
}

/// `_X_AMZN_TRACE_ID`, which AWS SDKs read to pass the trace on, for one invocation at
/// a time (what Lambda's runtimes do). Under concurrency there is no such process-wide
/// value: lambdo's own code reads the trace id from the invocation's context only.
fn propagate_trace_id(trace_id: Option<&str>) {
    match trace_id {
        Some(trace_id) => std::env::set_var("_X_AMZN_TRACE_ID", trace_id),
        None => std::env::remove_var("_X_AMZN_TRACE_ID"),
    }
}

fn json_bytes(json: Box<serde_json::value::RawValue>) -> Bytes {
    let text: Box<str> = json.into();
    Bytes::from(text.into_boxed_bytes())
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
