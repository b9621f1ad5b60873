//! `Function`: a finished app that takes raw events and answers them.

use std::{
    future::Future,
    panic::AssertUnwindSafe,
    sync::{
        atomic::{AtomicBool, Ordering},
        Arc,
    },
};

use bytes::Bytes;
use futures_util::FutureExt;
use serde_json::value::RawValue;
use tracing::Instrument;

#[cfg(feature = "metrics")]
use crate::metrics::MetricsConfig;
use crate::{
    dispatch::{Dispatch, Dispatcher},
    error::panic_message,
    hooks::ShutdownHooks,
    source::Answer,
    Context, Error,
};

/// A finished [`App`](crate::App): raw events in, the JSON response (or an [`Error`])
/// out. This is what runs under Lambda and in local mode, and what tests call directly.
///
/// ```
/// use lambdo::{App, Context, Json};
///
/// async fn double(Json(n): Json<i64>) -> Result<i64, lambdo::BoxError> { Ok(n * 2) }
///
/// # tokio_test(async {
/// let function = App::new(()).invoke(double).into_function();
/// let response = function.call("21".into(), Context::default()).await.unwrap();
/// assert_eq!(response.get(), "42");
/// # });
/// # fn tokio_test(f: impl std::future::Future<Output = ()>) {
/// #     tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(f)
/// # }
/// ```
#[derive(Clone)]
pub struct Function {
    dispatch: Arc<dyn Dispatch>,
    /// Set by the first invocation: every later one is warm.
    warm: Arc<AtomicBool>,
    #[cfg(feature = "metrics")]
    metrics: Arc<MetricsConfig>,
    /// The app's routes with lambdo's layers, for local mode and [`Function::router`].
    #[cfg(feature = "http")]
    router: Option<axum::Router>,
    shutdown: ShutdownHooks,
    /// The tracer provider every span goes to, if the app has one.
    #[cfg(feature = "opentelemetry")]
    opentelemetry: Option<Arc<crate::otel::OpenTelemetry>>,
}

impl std::fmt::Debug for Function {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut f = f.debug_struct("Function");
        f.field("sources", &self.dispatch.sources());
        #[cfg(feature = "metrics")]
        f.field("metrics", &self.metrics);
        f.finish()
    }
}

impl Function {
    pub(crate) fn new<S: Send + Sync + 'static>(dispatcher: Dispatcher<S>, shutdown: ShutdownHooks) -> Self {
        Function {
            dispatch: Arc::new(dispatcher),
            warm: Arc::new(AtomicBool::new(false)),
            #[cfg(feature = "metrics")]
            metrics: Arc::new(MetricsConfig::default_for_app()),
            #[cfg(feature = "http")]
            router: None,
            shutdown,
            #[cfg(feature = "opentelemetry")]
            opentelemetry: None,
        }
    }

    /// The function sending its spans to `opentelemetry`.
    #[cfg(feature = "opentelemetry")]
    pub(crate) fn with_opentelemetry(
        mut self,
        opentelemetry: Option<Arc<crate::otel::OpenTelemetry>>,
    ) -> Self {
        self.opentelemetry = opentelemetry;
        self
    }

    /// The layer [`crate::run`] installs beside the log layer for the app's tracing
    /// (OpenTelemetry), if it has its own.
    pub(crate) fn tracer(&self) -> Option<crate::logs::Tracer> {
        #[cfg(feature = "opentelemetry")]
        if let Some(otel) = &self.opentelemetry {
            return Some(otel.layer());
        }
        None
    }

    /// What follows each answer posted to the Runtime API, before the next event is
    /// asked for: the app's spans are exported (OpenTelemetry).
    pub(crate) async fn answered(&self) {
        #[cfg(feature = "opentelemetry")]
        if let Some(otel) = &self.opentelemetry {
            otel.flush().await;
        }
    }

    /// The function writing its metrics as `config` says.
    #[cfg(feature = "metrics")]
    pub(crate) fn with_metrics(mut self, config: MetricsConfig) -> Self {
        self.metrics = Arc::new(config);
        self
    }

    /// The function with the app's routes (already layered), for local mode.
    #[cfg(feature = "http")]
    pub(crate) fn with_router(mut self, router: Option<axum::Router>) -> Self {
        self.router = router;
        self
    }

    /// Handles one event, as Lambda would deliver it. A panic anywhere in the handler
    /// fails this invocation with `Lambdo.HandlerPanic`; the process carries on.
    ///
    /// ```
    /// use lambdo::{App, Context, Json};
    ///
    /// async fn shout(Json(text): Json<String>) -> Result<String, lambdo::BoxError> {
    ///     Ok(text.to_uppercase())
    /// }
    ///
    /// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
    /// let function = App::new(()).invoke(shout).into_function();
    /// let response = function.call(r#""hi""#.into(), Context::default()).await.unwrap();
    /// assert_eq!(response.get(), r#""HI""#);
    /// let error = function.call("42".into(), Context::default()).await.unwrap_err();
    /// assert_eq!(error.error_type(), "Lambdo.EventDecode");
    /// # });
    /// ```
    ///
    /// A response the app streams (see [`App::stream_function_urls`](crate::App::stream_function_urls))
    /// is read whole and answered as the buffered response of its invoker.
    pub async fn call(&self, event: Bytes, context: Context) -> Result<Box<RawValue>, Error> {
        self.answer(event, context).await?.into_json().await
    }

    /// Handles one event as [`Function::call`] does, with the answer as it goes to the
    /// Runtime API: JSON, or a stream (whose log lines keep the invocation's fields).
    pub(crate) async fn answer(&self, event: Bytes, context: Context) -> Result<Answer, Error> {
        let invocation = self.invocation(&context);
        let span = invocation.span.clone();
        let call = Arc::clone(&self.dispatch).call(event, context);
        let answer = invocation
            .run(async move {
                let result = match AssertUnwindSafe(call).catch_unwind().await {
                    Ok(result) => result,
                    Err(panic) => Err(Error::Panic(panic_message(panic.as_ref()))),
                };
                if let Err(error) = &result {
                    tracing::error!(error_type = error.error_type(), error = %error, "the invocation failed");
                }
                result
            })
            .await;
        answer.map(|answer| answer.in_span(span))
    }

    /// Runs the app's shutdown hooks (see [`App::on_shutdown`](crate::App::on_shutdown)),
    /// in the order they were added, once: a later call runs none. [`crate::run`] calls
    /// it on SIGTERM in Lambda and when the local server stops.
    ///
    /// ```
    /// use std::sync::{atomic::{AtomicBool, Ordering}, Arc};
    ///
    /// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
    /// let flushed = Arc::new(AtomicBool::new(false));
    /// let function = lambdo::App::new(Arc::clone(&flushed))
    ///     .on_shutdown(|flushed| async move { flushed.store(true, Ordering::SeqCst) })
    ///     .into_function();
    /// function.shutdown().await;
    /// assert!(flushed.load(Ordering::SeqCst));
    /// # });
    /// ```
    pub async fn shutdown(&self) {
        self.shutdown.run().await;
    }

    /// The app's shutdown hooks, still to run.
    pub(crate) fn shutdown_hooks(&self) -> ShutdownHooks {
        self.shutdown.clone()
    }

    /// This function as [`crate::run`] serves it: default metrics go to stdout.
    pub(crate) fn served(#[allow(unused_mut)] mut self) -> Self {
        #[cfg(feature = "metrics")]
        if let Some(config) = self.metrics.served() {
            self.metrics = Arc::new(config);
        }
        self
    }

    /// Starts an invocation: decides whether it is the cold start and opens its span.
    pub(crate) fn invocation(&self, context: &Context) -> Invocation {
        let cold_start = !self.warm.swap(true, Ordering::Relaxed);
        // Every log line of the invocation carries these (see `crate::logs`).
        let span = tracing::info_span!(
            "lambdo.invocation",
            request_id = context.request_id.as_str(),
            function_arn = context.invoked_function_arn.as_str(),
            xray_trace_id = tracing::field::Empty,
            cold_start,
            correlation_id = tracing::field::Empty,
            // OpenTelemetry's span name and kind, recorded only for it.
            otel.name = tracing::field::Empty,
            otel.kind = tracing::field::Empty,
        );
        if let Some(trace_id) = &context.xray_trace_id {
            span.record("xray_trace_id", trace_id.as_str());
        }
        #[cfg(feature = "opentelemetry")]
        if let Some(otel) = &self.opentelemetry {
            otel.open(&span, context, cold_start);
        }
        Invocation {
            logs: crate::logs::InvocationLogs::for_invocation(&context.request_id),
            span,
            #[cfg(feature = "metrics")]
            cold_start: cold_start.then(|| function_name(&context.invoked_function_arn)),
            #[cfg(feature = "metrics")]
            config: Arc::clone(&self.metrics),
        }
    }

    /// The HTTP router with lambdo's layers (problem responses for every error), if the
    /// app serves HTTP: what local mode serves, and what can be mounted elsewhere.
    ///
    /// ```
    /// let function = lambdo::App::new(())
    ///     .http(axum::Router::new().route("/", axum::routing::get(|| async { "hi" })))
    ///     .into_function();
    /// assert!(function.router().is_some());
    /// ```
    #[cfg(feature = "http")]
    pub fn router(&self) -> Option<axum::Router> {
        self.router.clone()
    }

    /// The names of the sources this function handles (`http`, `invoke`…).
    ///
    /// ```
    /// let function = lambdo::App::new(()).into_function();
    /// assert!(function.sources().is_empty());
    /// ```
    pub fn sources(&self) -> Vec<&'static str> {
        self.dispatch.sources()
    }
}

/// One invocation's span and metrics, around the work that handles it.
pub(crate) struct Invocation {
    /// Its sample and buffer of verbose lines, when the process samples or buffers.
    logs: Option<Arc<crate::logs::InvocationLogs>>,
    span: tracing::Span,
    /// The function's name, on the first invocation of the process.
    #[cfg(feature = "metrics")]
    cold_start: Option<String>,
    #[cfg(feature = "metrics")]
    config: Arc<MetricsConfig>,
}

impl Invocation {
    /// Runs `work` in the invocation's span with its own metrics, then writes the
    /// metrics (whatever `work` returned: errors are measured too).
    #[cfg(feature = "metrics")]
    pub(crate) async fn run<F: Future>(self, work: F) -> F::Output {
        use crate::metrics;
        let work = crate::logs::scoped(self.logs, work);
        let (output, recorded) = metrics::CURRENT
            .scope(std::cell::RefCell::new(None), async {
                let output = work.await;
                (output, metrics::CURRENT.with(|slot| slot.borrow_mut().take()))
            })
            .instrument(self.span)
            .await;
        self.config.flush(recorded.as_ref(), self.cold_start.as_deref());
        output
    }

    /// Runs `work` in the invocation's span.
    #[cfg(not(feature = "metrics"))]
    pub(crate) async fn run<F: Future>(self, work: F) -> F::Output {
        crate::logs::scoped(self.logs, work).instrument(self.span).await
    }
}

/// The function's name: Lambda's variable, else the last part of the invoked ARN.
#[cfg(feature = "metrics")]
fn function_name(invoked_arn: &str) -> String {
    std::env::var("AWS_LAMBDA_FUNCTION_NAME").unwrap_or_else(|_| {
        invoked_arn
            .split(':')
            .nth(6)
            .filter(|name| !name.is_empty())
            .unwrap_or("function")
            .to_owned()
    })
}
