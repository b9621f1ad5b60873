//! The Lambda execution environment for a real `bootstrap` binary: a Runtime API, the
//! process with Lambda's environment, its logs, its timeout, and fresh cold starts.

use std::{
    path::PathBuf,
    process::Stdio,
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use axum::{body::Bytes, extract::State, http::HeaderValue, response::IntoResponse, routing::post, Router};
use lambdo::Diagnostic;
use serde_json::Value;
use tokio::{
    io::{AsyncBufReadExt, AsyncRead, BufReader},
    process::{Child, Command},
};

use crate::{runtime_api::Submitted, Caller, InvokeError, Outcome, RuntimeApi};

/// How the emulated function is configured, as in its Lambda settings.
#[derive(Debug, Clone)]
pub struct FunctionConfig {
    bootstrap: PathBuf,
    name: String,
    timeout: Duration,
    env: Vec<(String, String)>,
    echo_logs: bool,
}

impl FunctionConfig {
    /// A function running `bootstrap`, named after its file, with Lambda's default 3 s
    /// timeout.
    ///
    /// ```
    /// let config = lambdo_testing::FunctionConfig::new("target/lambda/todo-api/bootstrap")
    ///     .name("todo-api")
    ///     .timeout(std::time::Duration::from_secs(10))
    ///     .env("TABLE_NAME", "todos");
    /// assert_eq!(config.function_name(), "todo-api");
    /// ```
    pub fn new(bootstrap: impl Into<PathBuf>) -> Self {
        let bootstrap = bootstrap.into();
        let name = bootstrap
            .parent()
            .filter(|_| bootstrap.file_name().is_some_and(|f| f == "bootstrap"))
            .and_then(|dir| dir.file_name())
            .or(bootstrap.file_stem())
            .map_or_else(|| "function".to_owned(), |n| n.to_string_lossy().into_owned());
        FunctionConfig {
            bootstrap,
            name,
            timeout: Duration::from_secs(3),
            env: Vec::new(),
            echo_logs: false,
        }
    }

    /// The function's name (`AWS_LAMBDA_FUNCTION_NAME`).
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = name.into();
        self
    }

    /// The function timeout: an invocation still running after it is killed.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// An environment variable for the function, on top of Lambda's own.
    pub fn env(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.env.push((key.into(), value.into()));
        self
    }

    /// Invocations the function takes at once (`AWS_LAMBDA_MAX_CONCURRENCY`), as on
    /// Lambda Managed Instances. Without it, one at a time.
    ///
    /// ```
    /// let config = lambdo_testing::FunctionConfig::new("target/release/order-worker").max_concurrency(8);
    /// # let _ = config;
    /// ```
    pub fn max_concurrency(self, invocations: usize) -> Self {
        self.env("AWS_LAMBDA_MAX_CONCURRENCY", invocations.to_string())
    }

    /// Also print the function's output lines on this process's stderr.
    pub fn echo_logs(mut self, echo: bool) -> Self {
        self.echo_logs = echo;
        self
    }

    /// The configured name.
    pub fn function_name(&self) -> &str {
        &self.name
    }
}

/// Which stream a log line came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogStream {
    /// The function's standard output.
    Stdout,
    /// The function's standard error.
    Stderr,
}

/// One line the function wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogLine {
    /// Where it was written.
    pub stream: LogStream,
    /// The line, without its newline.
    pub text: String,
}

/// How [`Emulator::shutdown`] ended the function's process.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Shutdown {
    /// No process was running.
    NotRunning,
    /// No extension was registered: Lambda sends no SIGTERM, it kills the process.
    Killed,
    /// The process exited within the shutdown window after SIGTERM.
    Exited(std::process::ExitStatus),
    /// The process was still running at the end of the window, and was killed.
    KilledAfterWindow(Duration),
}

/// What one invocation did and how long it took.
#[derive(Debug, Clone)]
pub struct Invocation {
    /// The request id the function saw.
    pub request_id: String,
    /// The trace header it was sent (`Lambda-Runtime-Trace-Id`, X-Ray's
    /// `Root=…;Parent=…;Sampled=1`); empty if it never was.
    pub trace_id: String,
    /// Its response or error. Timeouts and crashes are errors, as Lambda reports them:
    /// `Sandbox.Timedout` and `Runtime.ExitError`.
    pub outcome: Outcome,
    /// Whether this invocation started a new process.
    pub cold_start: bool,
    /// Process start → the function's first poll of the Runtime API (cold starts only).
    pub init: Option<Duration>,
    /// The function taking the event → its answer.
    pub duration: Duration,
}

/// A `bootstrap` binary run the way Lambda runs it.
///
/// ```no_run
/// # async fn example() -> std::io::Result<()> {
/// use lambdo_testing::{Emulator, FunctionConfig, Outcome};
///
/// let emulator = Emulator::start(FunctionConfig::new("target/lambda/todo-api/bootstrap")).await?;
/// let invocation = emulator.invoke(&serde_json::json!({"todos": []})).await;
/// assert!(invocation.cold_start);
/// assert!(matches!(invocation.outcome, Outcome::Response(_)));
/// # Ok(()) }
/// ```
#[derive(Debug)]
pub struct Emulator {
    api: RuntimeApi,
    config: FunctionConfig,
    process: tokio::sync::Mutex<Option<Child>>,
    logs: Arc<Mutex<Vec<LogLine>>>,
}

const EXIT_POLL: Duration = Duration::from_millis(10);

impl Emulator {
    /// Starts the Runtime API; the process starts with the first invocation.
    pub async fn start(config: FunctionConfig) -> std::io::Result<Emulator> {
        Ok(Emulator {
            api: RuntimeApi::start().await?,
            config,
            process: tokio::sync::Mutex::new(None),
            logs: Arc::new(Mutex::new(Vec::new())),
        })
    }

    /// Invokes the function with `event`, starting a process first if none is running.
    pub async fn invoke(&self, event: &Value) -> Invocation {
        self.invoke_as(event, Caller::default()).await
    }

    /// Invokes the function on behalf of `caller` (client context, Cognito identity).
    ///
    /// Invocations may be made concurrently (`join_all` over several `invoke`s): a
    /// function with [`FunctionConfig::max_concurrency`] above 1 takes up to that many
    /// at once, as on Lambda Managed Instances; otherwise they queue for its next poll.
    pub async fn invoke_as(&self, event: &Value, caller: Caller) -> Invocation {
        let cold_start = {
            let mut process = self.process.lock().await;
            match process.as_mut().map(Child::try_wait) {
                Some(Ok(None)) => false,
                _ => {
                    match self.spawn() {
                        Ok(child) => *process = Some(child),
                        Err(err) => return failed("", "Runtime.InvalidEntrypoint", err.to_string(), true),
                    }
                    true
                }
            }
        };
        let spawned = Instant::now();
        let timeout = self.config.timeout;
        let Submitted {
            request_id,
            trace_id,
            mut taken,
            mut outcome,
        } = match self.api.submit(event, timeout, caller) {
            Ok(submitted) => submitted,
            Err(err) => return failed("", "Runtime.Unknown", err.to_string(), cold_start),
        };
        let started = Instant::now();
        let mut taken_at = None;
        let deadline = tokio::time::sleep(timeout);
        tokio::pin!(deadline);
        // Init errors and crashes end the sandbox: the next invocation starts afresh.
        let mut sandbox_failed = false;
        let answer = loop {
            tokio::select! {
                at = &mut taken, if taken_at.is_none() => taken_at = Some(at.unwrap_or_else(|_| Instant::now())),
                answer = &mut outcome => break answer.map_err(|_| InvokeError::Stopped),
                () = &mut deadline => break Err(InvokeError::Timeout(timeout)),
                diagnostic = self.api.init_error_posted() => {
                    sandbox_failed = true;
                    break Ok(crate::response_stream::Reply::Done(Outcome::Error(diagnostic)));
                }
                () = tokio::time::sleep(EXIT_POLL) => {
                    if let Some(status) = self.exit_status().await {
                        let message = format!("the function's process exited ({status}) before answering");
                        sandbox_failed = true;
                        break Ok(crate::response_stream::Reply::Done(Outcome::Error(diagnostic("Runtime.ExitError", message))));
                    }
                }
            }
        };
        let answer = match answer {
            Ok(reply) => Ok(crate::response_stream::settle(reply, timeout).await),
            Err(error) => Err(error),
        };
        let outcome = match answer {
            Ok(outcome) => {
                if sandbox_failed {
                    self.stop().await;
                }
                outcome
            }
            Err(InvokeError::Timeout(timeout)) => {
                // Lambda stops the whole sandbox; the next invocation is a cold start.
                self.stop().await;
                let message = format!(
                    "{request_id} Task timed out after {:.2} seconds",
                    timeout.as_secs_f64()
                );
                Outcome::Error(diagnostic("Sandbox.Timedout", message))
            }
            Err(err) => {
                self.stop().await;
                Outcome::Error(diagnostic("Runtime.Unknown", err.to_string()))
            }
        };
        let taken_at = taken_at.unwrap_or(started);
        Invocation {
            request_id,
            trace_id,
            outcome,
            cold_start,
            init: cold_start.then(|| taken_at.saturating_duration_since(spawned)),
            duration: taken_at.elapsed(),
        }
    }

    /// How the function's process ended, if it has.
    async fn exit_status(&self) -> Option<std::process::ExitStatus> {
        let mut process = self.process.lock().await;
        process.as_mut().and_then(|child| child.try_wait().ok().flatten())
    }

    /// Ends the execution environment as Lambda does when it reclaims it: a function
    /// with an extension registered gets SIGTERM and Lambda's shutdown window (500 ms
    /// with internal extensions only, 2 s when one is subscribed to `SHUTDOWN`, as
    /// external extensions are) to exit; then, or at once without extensions, the
    /// process is killed.
    #[cfg(unix)]
    pub async fn shutdown(&self) -> Shutdown {
        let mut process = self.process.lock().await;
        let Some(mut child) = process.take() else {
            return Shutdown::NotRunning;
        };
        if self.api.extensions().is_empty() {
            let _ = child.kill().await;
            return Shutdown::Killed;
        }
        let window = if self.api.shutdown_subscribers() > 0 {
            Duration::from_secs(2)
        } else {
            Duration::from_millis(500)
        };
        self.api.begin_shutdown();
        if let Some(pid) = child.id().and_then(|pid| i32::try_from(pid).ok()) {
            // The pid is this emulator's own child, not reaped yet (`child` holds it).
            let _ =
                nix::sys::signal::kill(nix::unistd::Pid::from_raw(pid), nix::sys::signal::Signal::SIGTERM);
        }
        match tokio::time::timeout(window, child.wait()).await {
            Ok(Ok(status)) => Shutdown::Exited(status),
            _ => {
                let _ = child.kill().await;
                Shutdown::KilledAfterWindow(window)
            }
        }
    }

    /// Every line the function has written so far, in order per stream.
    pub fn logs(&self) -> Vec<LogLine> {
        self.logs.lock().expect("lock").clone()
    }

    /// Every stdout line so far, parsed as JSON: log lines in Lambda's JSON log format
    /// and EMF metrics objects.
    ///
    /// # Panics
    ///
    /// On a stdout line that is not JSON: a function logging in Lambda's JSON format
    /// writes none.
    pub fn stdout_json(&self) -> Vec<serde_json::Value> {
        self.logs()
            .iter()
            .filter(|line| line.stream == LogStream::Stdout)
            .map(|line| {
                serde_json::from_str(&line.text).unwrap_or_else(|_| panic!("not JSON: {}", line.text))
            })
            .collect()
    }

    /// Stops the function's process, if one is running.
    pub async fn stop(&self) {
        let mut process = self.process.lock().await;
        if let Some(mut child) = process.take() {
            let _ = child.kill().await;
        }
    }

    /// Serves `POST /2015-03-31/functions/function/invocations` on `listener`, the
    /// endpoint of AWS's Runtime Interface Emulator, until the process is stopped.
    pub async fn serve_invoke(self: Arc<Self>, listener: tokio::net::TcpListener) -> std::io::Result<()> {
        let router = Router::new()
            .route(lambdo::INVOKE_PATH, post(invoke_endpoint))
            .with_state(self);
        axum::serve(listener, router).await
    }

    fn spawn(&self) -> std::io::Result<Child> {
        let mut command = Command::new(&self.config.bootstrap);
        command
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .envs(self.api.lambda_env(&self.config.name))
            .env(
                "AWS_LAMBDA_FUNCTION_TIMEOUT",
                self.config.timeout.as_secs().max(1).to_string(),
            )
            .envs(self.config.env.iter().cloned())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true);
        let mut child = command.spawn()?;
        if let Some(stdout) = child.stdout.take() {
            self.collect(stdout, LogStream::Stdout);
        }
        if let Some(stderr) = child.stderr.take() {
            self.collect(stderr, LogStream::Stderr);
        }
        Ok(child)
    }

    fn collect(&self, output: impl AsyncRead + Unpin + Send + 'static, stream: LogStream) {
        let logs = Arc::clone(&self.logs);
        let echo = self.config.echo_logs;
        tokio::spawn(async move {
            let mut lines = BufReader::new(output).lines();
            while let Ok(Some(text)) = lines.next_line().await {
                if echo {
                    eprintln!("{text}");
                }
                logs.lock().expect("lock").push(LogLine { stream, text });
            }
        });
    }
}

async fn invoke_endpoint(State(emulator): State<Arc<Emulator>>, event: Bytes) -> axum::response::Response {
    let event: Value = match serde_json::from_slice(&event) {
        Ok(event) => event,
        Err(err) => {
            let body = axum::Json(diagnostic("InvalidRequestContentException", err.to_string()));
            return (axum::http::StatusCode::BAD_REQUEST, body).into_response();
        }
    };
    let invocation = emulator.invoke(&event).await;
    match invocation.outcome {
        Outcome::Response(value) => axum::Json(value).into_response(),
        // Read whole: the bytes as the function streamed them, with their content type.
        Outcome::Streamed(streamed) => {
            let mut response = axum::response::Response::new(axum::body::Body::from(streamed.bytes()));
            if let Some(content_type) = streamed
                .content_type
                .as_deref()
                .and_then(|value| HeaderValue::from_str(value).ok())
            {
                response.headers_mut().insert("content-type", content_type);
            }
            response
        }
        Outcome::Error(diagnostic) => {
            let mut response = axum::Json(diagnostic).into_response();
            response
                .headers_mut()
                .insert("x-amz-function-error", HeaderValue::from_static("Unhandled"));
            response
        }
    }
}

fn diagnostic(error_type: &str, message: String) -> Diagnostic {
    Diagnostic {
        error_type: error_type.to_owned(),
        error_message: message,
    }
}

fn failed(request_id: &str, error_type: &str, message: String, cold_start: bool) -> Invocation {
    Invocation {
        request_id: request_id.to_owned(),
        trace_id: String::new(),
        outcome: Outcome::Error(diagnostic(error_type, message)),
        cold_start,
        init: None,
        duration: Duration::ZERO,
    }
}
