//! `Function`: a finished app that takes raw events and answers them.

use std::{
    any::Any,
    cell::RefCell,
    future::Future,
    panic::AssertUnwindSafe,
    sync::{
        atomic::{AtomicBool, Ordering},
        Arc,
    },
};

use axum::Router;
use bytes::Bytes;
use futures_util::FutureExt;
use serde_json::value::RawValue;
use tracing::Instrument;

use crate::{
    batch::{self, BatchSource, RecordFn, RecordsSource},
    dynamodb::DynamoDbRecord,
    eventbridge::{EventBridgePayload, SCHEDULED_EVENT, SCHEDULE_SOURCES},
    handler::BoxFuture,
    http::HttpSource,
    kinesis::KinesisRecord,
    metrics::{self, MetricsConfig},
    s3::ObjectEvent,
    sns::SnsRecord,
    source::{EventShape, InvokeSource, RecordFields},
    sqs::SqsRecord,
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
    metrics: Arc<MetricsConfig>,
}

impl std::fmt::Debug for Function {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Function")
            .field("sources", &self.dispatch.sources())
            .field("metrics", &self.metrics)
            .finish()
    }
}

impl Function {
    pub(crate) fn new<S: Send + Sync + 'static>(dispatcher: Dispatcher<S>, metrics: MetricsConfig) -> Self {
        Function {
            dispatch: Arc::new(dispatcher),
            warm: Arc::new(AtomicBool::new(false)),
            metrics: Arc::new(metrics),
        }
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
    pub async fn call(&self, event: Bytes, context: Context) -> Result<Box<RawValue>, Error> {
        let invocation = self.invocation(&context);
        let call = Arc::clone(&self.dispatch).call(event, context);
        invocation
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
            .await
    }

    /// This function as [`crate::run`] serves it: default metrics go to stdout.
    pub(crate) fn served(mut self) -> Self {
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
        );
        if let Some(trace_id) = &context.xray_trace_id {
            span.record("xray_trace_id", trace_id.as_str());
        }
        let cold_start = cold_start.then(|| function_name(&context.invoked_function_arn));
        Invocation {
            span,
            cold_start,
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
    pub fn router(&self) -> Option<Router> {
        self.dispatch.router()
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
    span: tracing::Span,
    /// The function's name, on the first invocation of the process.
    cold_start: Option<String>,
    config: Arc<MetricsConfig>,
}

impl Invocation {
    /// Runs `work` in the invocation's span with its own metrics, then writes the
    /// metrics (whatever `work` returned: errors are measured too).
    pub(crate) async fn run<F: Future>(self, work: F) -> F::Output {
        let (output, recorded) = metrics::CURRENT
            .scope(RefCell::new(None), async {
                let output = work.await;
                (output, metrics::CURRENT.with(|slot| slot.borrow_mut().take()))
            })
            .instrument(self.span)
            .await;
        self.config.flush(recorded.as_ref(), self.cold_start.as_deref());
        output
    }
}

/// The function's name: Lambda's variable, else the last part of the invoked ARN.
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

/// The registered sources with the app state, before type erasure.
pub(crate) struct Dispatcher<S> {
    pub(crate) state: S,
    pub(crate) http: Option<HttpSource>,
    pub(crate) invoke: Option<InvokeSource<S>>,
    pub(crate) sqs: Option<BatchSource<S, SqsRecord>>,
    pub(crate) kinesis: Option<BatchSource<S, KinesisRecord>>,
    pub(crate) dynamodb: Option<BatchSource<S, DynamoDbRecord>>,
    pub(crate) sns: Option<BatchSource<S, SnsRecord>>,
    pub(crate) s3: Option<BatchSource<S, ObjectEvent>>,
    /// EventBridge handlers by `source` and `detail-type`.
    pub(crate) eventbridge: Vec<(String, String, RecordFn<S, EventBridgePayload>)>,
    pub(crate) schedule: Option<RecordFn<S, EventBridgePayload>>,
}

impl<S> Dispatcher<S> {
    /// No sources yet.
    pub(crate) fn new(state: S) -> Self {
        Dispatcher {
            state,
            http: None,
            invoke: None,
            sqs: None,
            kinesis: None,
            dynamodb: None,
            sns: None,
            s3: None,
            eventbridge: Vec::new(),
            schedule: None,
        }
    }

    /// Every source lambdo knows, by name, and whether it is registered. Sources
    /// added to lambdo are added here, and nowhere else, to be listed and dispatched.
    fn registrations(&self) -> [(&'static str, bool); 9] {
        [
            ("http", self.http.is_some()),
            ("sqs", self.sqs.is_some()),
            ("kinesis", self.kinesis.is_some()),
            ("dynamodb_stream", self.dynamodb.is_some()),
            ("sns", self.sns.is_some()),
            ("s3", self.s3.is_some()),
            ("eventbridge", !self.eventbridge.is_empty()),
            ("schedule", self.schedule.is_some()),
            ("invoke", self.invoke.is_some()),
        ]
    }

    /// Whether direct invocation is the only registered source.
    fn invoke_only(&self) -> bool {
        self.registrations()
            .iter()
            .all(|&(name, registered)| registered == (name == "invoke"))
    }

    /// An exact `source` + `detail-type` registration first, then the schedule handler
    /// for scheduled events.
    fn eventbridge_handler(
        &self,
        source: &str,
        detail_type: &str,
    ) -> Option<&RecordFn<S, EventBridgePayload>> {
        let exact = self
            .eventbridge
            .iter()
            .find(|(s, d, _)| s == source && d == detail_type)
            .map(|(_, _, handler)| handler);
        exact.or_else(|| {
            let scheduled = detail_type == SCHEDULED_EVENT && SCHEDULE_SOURCES.contains(&source);
            scheduled.then_some(self.schedule.as_ref()).flatten()
        })
    }
}

trait Dispatch: Send + Sync {
    fn call(self: Arc<Self>, event: Bytes, context: Context) -> BoxFuture<Result<Box<RawValue>, Error>>;
    fn router(&self) -> Option<Router>;
    fn sources(&self) -> Vec<&'static str>;
}

impl<S: Send + Sync + 'static> Dispatch for Dispatcher<S> {
    fn call(self: Arc<Self>, event: Bytes, context: Context) -> BoxFuture<Result<Box<RawValue>, Error>> {
        Box::pin(async move {
            // An invoke-only function takes every event: no need to look at its shape.
            if let Some(invoke) = self.invoke.as_ref().filter(|_| self.invoke_only()) {
                return invoke.call(event, &context, &self.state).await;
            }
            let shape = EventShape::parse(&event)?;
            let shape = match shape {
                EventShape::Http(request) if self.http.is_some() => {
                    let http = self.http.as_ref().expect("checked above");
                    let (request, format) = http.request(*request, &event, context)?;
                    // Boxed on its own: inline, it would make this future over 3 KB, an
                    // allocation outside the allocator's fast, cached sizes.
                    return Box::pin(http.respond(request, format)).await;
                }
                EventShape::Records(records) => match self.records_source(&records) {
                    Some(source) => return source.handle(&event, records, &context, &self.state).await,
                    None => EventShape::Records(records),
                },
                EventShape::EventBridge {
                    source,
                    detail_type,
                    id,
                } => match self.eventbridge_handler(source.as_str(), detail_type.as_str()) {
                    Some(handler) => {
                        let id = id.as_ref().map_or("", |id| id.as_str());
                        let payload = EventBridgePayload(event.clone());
                        let run = batch::run_one(id, payload, handler, &context, &self.state);
                        return Box::pin(run).await;
                    }
                    None => EventShape::EventBridge {
                        source,
                        detail_type,
                        id,
                    },
                },
                other => other,
            };
            let Some(invoke) = &self.invoke else {
                return Err(Error::unsupported_event(shape.describe(), self.sources()));
            };
            // Not kept across the call: this future stays small.
            drop(shape);
            invoke.call(event.clone(), &context, &self.state).await
        })
    }

    fn router(&self) -> Option<Router> {
        self.http.as_ref().map(HttpSource::router)
    }

    fn sources(&self) -> Vec<&'static str> {
        self.registrations()
            .into_iter()
            .filter_map(|(name, registered)| registered.then_some(name))
            .collect()
    }
}

impl<S: Send + Sync + 'static> Dispatcher<S> {
    /// Chooses by the first record's `eventSource`: a batch never mixes sources.
    fn records_source(&self, records: &[RecordFields<'_>]) -> Option<&dyn RecordsSource<S>> {
        let source: &dyn RecordsSource<S> = match records.first()?.event_source.as_ref()?.as_str() {
            "aws:sqs" => self.sqs.as_ref()?,
            "aws:kinesis" => self.kinesis.as_ref()?,
            "aws:dynamodb" => self.dynamodb.as_ref()?,
            "aws:sns" => self.sns.as_ref()?,
            "aws:s3" => self.s3.as_ref()?,
            _ => return None,
        };
        Some(source)
    }
}

/// The text of a panic payload (`panic!("…")` carries a `&str` or a `String`).
pub(crate) fn panic_message(panic: &(dyn Any + Send)) -> String {
    if let Some(text) = panic.downcast_ref::<&str>() {
        (*text).to_owned()
    } else if let Some(text) = panic.downcast_ref::<String>() {
        text.clone()
    } else {
        "a panic with a non-string payload".to_owned()
    }
}
