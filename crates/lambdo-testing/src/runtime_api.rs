//! A local Lambda Runtime API for driving real `bootstrap` processes.
//!
//! It speaks the Runtime API's invocation protocol (`next`, `response`, `error`,
//! `init/error`) with Lambda's headers, so a function built for Lambda runs unchanged:
//! start it with `AWS_LAMBDA_RUNTIME_API` set to [`RuntimeApi::address`]. Of the
//! Extensions API it serves registration and `event/next`, which delivers the
//! `SHUTDOWN` event to extensions subscribed to it (not `INVOKE` events).

use std::{
    collections::HashMap,
    net::SocketAddr,
    sync::{
        atomic::{AtomicU64, Ordering},
        Arc, Mutex,
    },
    time::{Duration, Instant, SystemTime, UNIX_EPOCH},
};

use axum::{
    body::Bytes,
    extract::{Path, State},
    http::{HeaderMap, StatusCode},
    response::{IntoResponse, Response},
    routing::{get, post},
    Router,
};
use lambdo::Diagnostic;
use serde_json::Value;
use tokio::sync::{mpsc, oneshot};

use crate::response_stream::{self, Reply, ResponseStream, StreamedResponse};

/// What a function answered to one invocation.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Outcome {
    /// `POST /runtime/invocation/{id}/response`: the response body, as JSON.
    Response(Value),
    /// `POST /runtime/invocation/{id}/error`: the reported `Diagnostic`.
    Error(Diagnostic),
    /// A streamed `POST /runtime/invocation/{id}/response`, read whole.
    Streamed(StreamedResponse),
}

/// Why [`RuntimeApi::invoke`] got no outcome.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum InvokeError {
    /// The function did not answer within the timeout.
    #[error("the function did not answer within {0:?}")]
    Timeout(Duration),
    /// The Runtime API stopped before the function answered.
    #[error("the runtime API stopped before the function answered")]
    Stopped,
    /// [`RuntimeApi::invoke_streaming`]: the function answered without streaming.
    #[error("the function answered without streaming: {0:?}")]
    Buffered(Box<Outcome>),
}

/// A Runtime API on a loopback port; stops when dropped.
///
/// ```no_run
/// # async fn example() -> Result<(), Box<dyn std::error::Error>> {
/// use lambdo_testing::{Outcome, RuntimeApi};
///
/// let api = RuntimeApi::start().await?;
/// let mut bootstrap = std::process::Command::new("target/debug/todo-api")
///     .envs(api.lambda_env("todo-api"))
///     .spawn()?;
/// let outcome = api.invoke(&serde_json::json!({"hello": "world"}), std::time::Duration::from_secs(5)).await?;
/// assert!(matches!(outcome, Outcome::Response(_) | Outcome::Error(_)));
/// bootstrap.kill()?;
/// # Ok(()) }
/// ```
#[derive(Debug)]
pub struct RuntimeApi {
    address: SocketAddr,
    shared: Arc<Shared>,
    shutdown: Option<oneshot::Sender<()>>,
}

#[derive(Debug)]
struct Shared {
    queue: mpsc::UnboundedSender<Pending>,
    next: tokio::sync::Mutex<mpsc::UnboundedReceiver<Pending>>,
    in_flight: Mutex<HashMap<String, oneshot::Sender<Reply>>>,
    init_error: Mutex<Option<Diagnostic>>,
    init_error_posted: tokio::sync::Notify,
    sequence: AtomicU64,
    /// The name in the invoked function ARN: the one [`RuntimeApi::lambda_env`] gave
    /// the process, `test` until then.
    function_name: Mutex<String>,
    /// A `Lambda-Runtime-Deadline-Ms` sent whatever the invocation's timeout.
    fixed_deadline_ms: Mutex<Option<u64>>,
    /// Extensions registered, in order.
    extensions: Mutex<Vec<Extension>>,
    /// Set when the environment shuts down: extensions' `event/next` answer `SHUTDOWN`.
    shutting_down: tokio::sync::watch::Sender<bool>,
    /// When the function first asked for an invocation: the end of its init phase.
    first_poll: std::sync::OnceLock<Instant>,
}

#[derive(Debug, Clone)]
struct Extension {
    name: String,
    id: String,
    events: Vec<String>,
}

#[derive(Debug)]
struct Pending {
    request_id: String,
    trace_id: String,
    caller: Caller,
    event: Bytes,
    deadline_ms: u128,
    reply: oneshot::Sender<Reply>,
    taken: oneshot::Sender<Instant>,
}

/// Who invoked the function, as the Runtime API passes it on: the mobile SDK's client
/// context and the caller's Cognito identity, both JSON.
///
/// ```
/// let caller = lambdo_testing::Caller {
///     client_context: Some(serde_json::json!({"client": {"app_title": "todo"}, "custom": {}, "env": {}})),
///     cognito_identity: Some(serde_json::json!({"cognitoIdentityId": "eu-central-1:1", "cognitoIdentityPoolId": "p"})),
/// };
/// # let _ = caller;
/// ```
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Caller {
    /// `Lambda-Runtime-Client-Context`.
    pub client_context: Option<Value>,
    /// `Lambda-Runtime-Cognito-Identity`.
    pub cognito_identity: Option<Value>,
}

/// One submitted invocation: its id, when the function took it, and its outcome.
#[derive(Debug)]
pub(crate) struct Submitted {
    pub(crate) request_id: String,
    pub(crate) trace_id: String,
    pub(crate) taken: oneshot::Receiver<Instant>,
    pub(crate) outcome: oneshot::Receiver<Reply>,
}

const FUNCTION_ARN: &str = "arn:aws:lambda:eu-central-1:123456789012:function:";

fn function_arn(shared: &Shared) -> String {
    let name = shared
        .function_name
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    format!("{FUNCTION_ARN}{name}")
}

impl RuntimeApi {
    /// Starts the API on a free loopback port.
    pub async fn start() -> std::io::Result<RuntimeApi> {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let address = listener.local_addr()?;
        let (queue, next) = mpsc::unbounded_channel();
        let shared = Arc::new(Shared {
            queue,
            next: tokio::sync::Mutex::new(next),
            in_flight: Mutex::new(HashMap::new()),
            init_error: Mutex::new(None),
            init_error_posted: tokio::sync::Notify::new(),
            sequence: AtomicU64::new(1),
            function_name: Mutex::new("test".to_owned()),
            fixed_deadline_ms: Mutex::new(None),
            extensions: Mutex::new(Vec::new()),
            shutting_down: tokio::sync::watch::channel(false).0,
            first_poll: std::sync::OnceLock::new(),
        });
        let router = Router::new()
            .route("/2018-06-01/runtime/invocation/next", get(next_invocation))
            .route(
                "/2018-06-01/runtime/invocation/{id}/response",
                post(post_response),
            )
            .route("/2018-06-01/runtime/invocation/{id}/error", post(post_error))
            .route("/2018-06-01/runtime/init/error", post(post_init_error))
            .route("/2020-01-01/extension/register", post(register_extension))
            .route("/2020-01-01/extension/event/next", get(next_extension_event))
            // Lambda's own limit is checked in `post_response`, the way Lambda reports it.
            .layer(axum::extract::DefaultBodyLimit::disable())
            .with_state(Arc::clone(&shared));
        let (shutdown, stopped) = oneshot::channel::<()>();
        tokio::spawn(async move {
            let _ = axum::serve(listener, router)
                .with_graceful_shutdown(async move {
                    let _ = stopped.await;
                })
                .await;
        });
        Ok(RuntimeApi {
            address,
            shared,
            shutdown: Some(shutdown),
        })
    }

    /// `host:port`, the value of `AWS_LAMBDA_RUNTIME_API`.
    pub fn address(&self) -> String {
        self.address.to_string()
    }

    /// The ARN invocations report (`Lambda-Runtime-Invoked-Function-Arn`): the
    /// function named by [`RuntimeApi::lambda_env`], or `test` before it is called.
    ///
    /// ```
    /// # tokio::runtime::Runtime::new().unwrap().block_on(async {
    /// let api = lambdo_testing::RuntimeApi::start().await.unwrap();
    /// let _env = api.lambda_env("order-worker");
    /// assert_eq!(api.function_arn(), "arn:aws:lambda:eu-central-1:123456789012:function:order-worker");
    /// # });
    /// ```
    pub fn function_arn(&self) -> String {
        function_arn(&self.shared)
    }

    /// Sends `deadline_ms` as every later invocation's deadline, whatever its timeout:
    /// what `cargo lambda watch` does (a constant `600000`, not an epoch time).
    ///
    /// ```
    /// # tokio::runtime::Runtime::new().unwrap().block_on(async {
    /// let api = lambdo_testing::RuntimeApi::start().await.unwrap();
    /// api.fixed_deadline(600_000);
    /// # });
    /// ```
    pub fn fixed_deadline(&self, deadline_ms: u64) {
        *self
            .shared
            .fixed_deadline_ms
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner()) = Some(deadline_ms);
    }

    /// The environment Lambda gives a function process, pointing at this API; the
    /// invocations it serves from now on report that function's ARN.
    pub fn lambda_env(&self, function_name: &str) -> Vec<(String, String)> {
        *self
            .shared
            .function_name
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner()) = function_name.to_owned();
        [
            ("AWS_LAMBDA_RUNTIME_API", self.address()),
            ("AWS_LAMBDA_FUNCTION_NAME", function_name.to_owned()),
            ("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128".to_owned()),
            ("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST".to_owned()),
            (
                "AWS_LAMBDA_LOG_GROUP_NAME",
                format!("/aws/lambda/{function_name}"),
            ),
            (
                "AWS_LAMBDA_LOG_STREAM_NAME",
                "2026/11/28/[$LATEST]0123456789abcdef".to_owned(),
            ),
            ("AWS_REGION", "eu-central-1".to_owned()),
            ("AWS_DEFAULT_REGION", "eu-central-1".to_owned()),
            ("_HANDLER", "bootstrap".to_owned()),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v))
        .collect()
    }

    /// When the function first called `/next`: the end of its init phase, as Lambda
    /// reports it (`Init Duration`). `None` until it does.
    ///
    /// ```
    /// # tokio::runtime::Runtime::new().unwrap().block_on(async {
    /// let api = lambdo_testing::RuntimeApi::start().await.unwrap();
    /// assert!(api.first_poll().is_none());
    /// # });
    /// ```
    pub fn first_poll(&self) -> Option<Instant> {
        self.shared.first_poll.get().copied()
    }

    /// Queues `event` for the function's next poll and waits for its answer.
    pub async fn invoke(&self, event: &Value, timeout: Duration) -> Result<Outcome, InvokeError> {
        let submitted = self.submit(event, timeout, Caller::default())?;
        match tokio::time::timeout(timeout, submitted.outcome).await {
            Ok(Ok(reply)) => Ok(response_stream::settle(reply, timeout).await),
            Ok(Err(_)) => Err(InvokeError::Stopped),
            Err(_) => Err(InvokeError::Timeout(timeout)),
        }
    }

    /// Queues `event` and returns the response stream as soon as the function starts
    /// streaming it, to be read chunk by chunk as the chunks come.
    pub async fn invoke_streaming(
        &self,
        event: &Value,
        timeout: Duration,
    ) -> Result<ResponseStream, InvokeError> {
        let submitted = self.submit(event, timeout, Caller::default())?;
        match tokio::time::timeout(timeout, submitted.outcome).await {
            Ok(Ok(Reply::Stream(stream))) => Ok(stream),
            Ok(Ok(Reply::Done(outcome))) => Err(InvokeError::Buffered(Box::new(outcome))),
            Ok(Err(_)) => Err(InvokeError::Stopped),
            Err(_) => Err(InvokeError::Timeout(timeout)),
        }
    }

    /// Queues `event`; dropping the returned receivers withdraws it if no function has
    /// taken it yet.
    pub(crate) fn submit(
        &self,
        event: &Value,
        timeout: Duration,
        caller: Caller,
    ) -> Result<Submitted, InvokeError> {
        let sequence = self.shared.sequence.fetch_add(1, Ordering::Relaxed);
        let (reply, outcome) = oneshot::channel();
        let (taken_tx, taken) = oneshot::channel();
        let deadline_ms = SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default() + timeout;
        let request_id = format!("00000000-0000-4000-8000-{sequence:012x}");
        // X-Ray's format: version, epoch seconds, 96 bits unique to the trace.
        let trace_id = format!(
            "Root=1-{:08x}-{:08x}{sequence:016x};Parent={sequence:016x};Sampled=1",
            deadline_ms.as_secs() - timeout.as_secs(),
            std::process::id(),
        );
        let pending = Pending {
            request_id: request_id.clone(),
            trace_id: trace_id.clone(),
            caller,
            event: Bytes::from(serde_json::to_vec(event).expect("events serialize")),
            deadline_ms: self
                .shared
                .fixed_deadline_ms
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner())
                .map_or(deadline_ms.as_millis(), u128::from),
            reply,
            taken: taken_tx,
        };
        self.shared
            .queue
            .send(pending)
            .map_err(|_| InvokeError::Stopped)?;
        Ok(Submitted {
            request_id,
            trace_id,
            taken,
            outcome,
        })
    }

    /// Resolves when a function posts to `/runtime/init/error`.
    pub(crate) async fn init_error_posted(&self) -> Diagnostic {
        loop {
            let notified = self.shared.init_error_posted.notified();
            if let Some(diagnostic) = self.shared.init_error.lock().expect("lock").take() {
                return diagnostic;
            }
            notified.await;
        }
    }

    /// The names of the extensions registered so far, in order.
    ///
    /// ```
    /// # tokio::runtime::Runtime::new().unwrap().block_on(async {
    /// let api = lambdo_testing::RuntimeApi::start().await.unwrap();
    /// assert!(api.extensions().is_empty());
    /// # });
    /// ```
    pub fn extensions(&self) -> Vec<String> {
        lock(&self.shared.extensions)
            .iter()
            .map(|extension| extension.name.clone())
            .collect()
    }

    /// How many registered extensions are subscribed to `SHUTDOWN`.
    pub(crate) fn shutdown_subscribers(&self) -> usize {
        lock(&self.shared.extensions)
            .iter()
            .filter(|extension| extension.events.iter().any(|event| event == "SHUTDOWN"))
            .count()
    }

    /// Starts the environment's shutdown: extensions subscribed to `SHUTDOWN` get the
    /// event (reason `spindown`) from their `event/next`.
    pub fn begin_shutdown(&self) {
        self.shared.shutting_down.send_replace(true);
    }

    /// The error the function reported from its initialisation, if any.
    pub fn init_error(&self) -> Option<Diagnostic> {
        self.shared.init_error.lock().expect("lock").clone()
    }
}

impl Drop for RuntimeApi {
    fn drop(&mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
    }
}

async fn next_invocation(State(shared): State<Arc<Shared>>) -> Response {
    let _ = shared.first_poll.set(Instant::now());
    let pending = {
        let mut queue = shared.next.lock().await;
        loop {
            match queue.recv().await {
                // Withdrawn (timed out, or its function was killed) before anyone took it.
                Some(pending) if pending.reply.is_closed() => continue,
                other => break other,
            }
        }
    };
    let Some(pending) = pending else {
        return StatusCode::GONE.into_response();
    };
    let _ = pending.taken.send(Instant::now());
    let mut headers = HeaderMap::new();
    let header = |text: &str| text.parse().expect("valid header value");
    headers.insert("lambda-runtime-aws-request-id", header(&pending.request_id));
    headers.insert(
        "lambda-runtime-deadline-ms",
        header(&pending.deadline_ms.to_string()),
    );
    headers.insert(
        "lambda-runtime-invoked-function-arn",
        header(&function_arn(&shared)),
    );
    headers.insert("lambda-runtime-trace-id", header(&pending.trace_id));
    headers.insert("content-type", header("application/json"));
    if let Some(client_context) = &pending.caller.client_context {
        headers.insert(
            "lambda-runtime-client-context",
            header(&client_context.to_string()),
        );
    }
    if let Some(identity) = &pending.caller.cognito_identity {
        headers.insert("lambda-runtime-cognito-identity", header(&identity.to_string()));
    }
    shared
        .in_flight
        .lock()
        .expect("lock")
        .insert(pending.request_id.clone(), pending.reply);
    (headers, pending.event).into_response()
}

/// Lambda's limit on a synchronous invocation's response payload.
const RESPONSE_LIMIT: usize = 6 * 1024 * 1024;

async fn post_response(
    State(shared): State<Arc<Shared>>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: axum::body::Body,
) -> StatusCode {
    let streaming = headers
        .get("lambda-runtime-function-response-mode")
        .is_some_and(|mode| mode == "streaming");
    if streaming {
        let Some(reply) = lock(&shared.in_flight).remove(&id) else {
            return StatusCode::BAD_REQUEST;
        };
        let content_type = headers
            .get("content-type")
            .and_then(|value| value.to_str().ok())
            .map(str::to_owned);
        let (stream, pump) = response_stream::read(content_type, body);
        let _ = reply.send(Reply::Stream(stream));
        pump.await;
        return StatusCode::ACCEPTED;
    }
    let Ok(body) = axum::body::to_bytes(body, usize::MAX).await else {
        return StatusCode::BAD_REQUEST;
    };
    if body.len() > RESPONSE_LIMIT {
        let diagnostic = Diagnostic {
            error_type: "Function.ResponseSizeTooLarge".to_owned(),
            error_message: format!(
                "Response payload size ({} bytes) exceeded maximum allowed payload size ({RESPONSE_LIMIT} bytes).",
                body.len()
            ),
        };
        complete(&shared, &id, Outcome::Error(diagnostic));
        return StatusCode::PAYLOAD_TOO_LARGE;
    }
    let value = serde_json::from_slice(&body)
        .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&body).into()));
    complete(&shared, &id, Outcome::Response(value))
}

async fn post_error(
    State(shared): State<Arc<Shared>>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> StatusCode {
    let diagnostic = parse_diagnostic(&headers, &body);
    complete(&shared, &id, Outcome::Error(diagnostic))
}

async fn post_init_error(State(shared): State<Arc<Shared>>, headers: HeaderMap, body: Bytes) -> StatusCode {
    *shared.init_error.lock().expect("lock") = Some(parse_diagnostic(&headers, &body));
    shared.init_error_posted.notify_waiters();
    StatusCode::ACCEPTED
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

#[derive(serde::Deserialize)]
struct Registration {
    #[serde(default)]
    events: Vec<String>,
}

/// `POST /2020-01-01/extension/register`: the extension's name in
/// `Lambda-Extension-Name`, the events it wants in the body.
async fn register_extension(State(shared): State<Arc<Shared>>, headers: HeaderMap, body: Bytes) -> Response {
    let Some(name) = headers
        .get("lambda-extension-name")
        .and_then(|name| name.to_str().ok())
        .filter(|name| !name.is_empty())
    else {
        return extension_error(
            StatusCode::BAD_REQUEST,
            "Extension.InvalidRequest",
            "Lambda-Extension-Name is missing",
        );
    };
    let Ok(registration) = serde_json::from_slice::<Registration>(&body) else {
        return extension_error(
            StatusCode::BAD_REQUEST,
            "Extension.InvalidRequest",
            "the body is not a registration",
        );
    };
    let mut extensions = lock(&shared.extensions);
    if extensions.iter().any(|extension| extension.name == name) {
        return extension_error(
            StatusCode::FORBIDDEN,
            "Extension.AlreadyRegistered",
            "the name is taken",
        );
    }
    let id = format!("00000000-0000-4000-9000-{:012x}", extensions.len() + 1);
    extensions.push(Extension {
        name: name.to_owned(),
        id: id.clone(),
        events: registration.events,
    });
    let mut response_headers = HeaderMap::new();
    response_headers.insert("lambda-extension-identifier", id.parse().expect("a header value"));
    let body = serde_json::json!({
        "functionName": lock(&shared.function_name).clone(),
        "functionVersion": "$LATEST",
        "handler": "bootstrap",
    });
    (response_headers, axum::Json(body)).into_response()
}

/// `GET /2020-01-01/extension/event/next`: `SHUTDOWN` when the environment shuts
/// down, to an extension subscribed to it; otherwise it never answers.
async fn next_extension_event(State(shared): State<Arc<Shared>>, headers: HeaderMap) -> Response {
    let id = headers
        .get("lambda-extension-identifier")
        .and_then(|id| id.to_str().ok());
    let extension = lock(&shared.extensions)
        .iter()
        .find(|extension| Some(extension.id.as_str()) == id)
        .cloned();
    let Some(extension) = extension else {
        return extension_error(
            StatusCode::FORBIDDEN,
            "Extension.Unknown",
            "unknown Lambda-Extension-Identifier",
        );
    };
    let mut shutting_down = shared.shutting_down.subscribe();
    if extension.events.iter().any(|event| event == "SHUTDOWN")
        && shutting_down.wait_for(|down| *down).await.is_ok()
    {
        let deadline =
            SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default() + Duration::from_secs(2);
        let event = serde_json::json!({
            "eventType": "SHUTDOWN",
            "shutdownReason": "spindown",
            "deadlineMs": deadline.as_millis() as u64,
        });
        return axum::Json(event).into_response();
    }
    std::future::pending().await
}

fn extension_error(status: StatusCode, error_type: &str, message: &str) -> Response {
    let body = serde_json::json!({"errorType": error_type, "errorMessage": message});
    (status, axum::Json(body)).into_response()
}

fn complete(shared: &Shared, id: &str, outcome: Outcome) -> StatusCode {
    match shared.in_flight.lock().expect("lock").remove(id) {
        Some(reply) => {
            let _ = reply.send(Reply::Done(outcome));
            StatusCode::ACCEPTED
        }
        None => StatusCode::BAD_REQUEST,
    }
}

fn parse_diagnostic(headers: &HeaderMap, body: &[u8]) -> Diagnostic {
    serde_json::from_slice(body).unwrap_or_else(|_| Diagnostic {
        error_type: headers
            .get("lambda-runtime-function-error-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("Unknown")
            .to_owned(),
        error_message: String::from_utf8_lossy(body).into_owned(),
    })
}
