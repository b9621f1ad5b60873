//! `App`: the builder that registers a function's sources.

use axum::Router;

use crate::{
    batch::{self, BatchOptions, BatchSource, IntoRecordResult},
    dynamodb::DynamoDbRecord,
    eventbridge::EventBridgePayload,
    function::{Dispatcher, Function},
    http::{HttpSource, DEFAULT_BODY_LIMIT},
    kinesis::KinesisRecord,
    metrics::MetricsConfig,
    s3::ObjectEvent,
    sns::SnsRecord,
    source::InvokeSource,
    sqs::SqsRecord,
    Handler, IntoInvokeResponse, InvokePayload,
};

/// A Lambda function: its state and the event sources it handles.
///
/// One binary may serve several sources; the event's source is detected from its shape
/// and dispatched to the matching registration. `S` is the state built once at cold
/// start and handed to every handler through [`State`](crate::State).
///
/// ```no_run
/// use axum::{routing::get, Router};
/// use lambdo::{App, Json};
///
/// #[derive(Clone)]
/// struct AppState { greeting: String }
///
/// #[derive(serde::Deserialize)]
/// struct Ping { name: String }
///
/// async fn hello() -> &'static str { "hello" }
///
/// async fn ping(Json(ping): Json<Ping>) -> Result<String, lambdo::BoxError> {
///     Ok(format!("pong, {}", ping.name))
/// }
///
/// #[tokio::main]
/// async fn main() -> Result<(), lambdo::BoxError> {
///     let state = AppState { greeting: "hi".into() };
///     App::new(state)
///         .http(Router::new().route("/hello", get(hello)))
///         .invoke(ping)
///         .run()
///         .await
/// }
/// ```
#[must_use = "an App does nothing until `.run()` is awaited"]
pub struct App<S = ()> {
    /// The registrations so far; its HTTP source is made from `router` at the end.
    sources: Dispatcher<S>,
    router: Option<Router>,
    body_limit: usize,
    metrics: Option<MetricsConfig>,
}

impl<S> App<S>
where
    S: Clone + Send + Sync + 'static,
{
    /// An app with `state`, shared by every handler.
    ///
    /// ```
    /// let app = lambdo::App::new(());
    /// # let _ = app;
    /// ```
    pub fn new(state: S) -> Self {
        App {
            sources: Dispatcher::new(state),
            router: None,
            body_limit: DEFAULT_BODY_LIMIT,
            metrics: None,
        }
    }

    /// Serves `router` for API Gateway (REST and HTTP APIs), ALB and Function URL events,
    /// and on a local address in local mode. The router's state is the app's state.
    ///
    /// Registering a second router replaces the first: merge routers with
    /// [`Router::merge`] instead.
    ///
    /// ```
    /// use axum::{extract::State, routing::get, Router};
    ///
    /// #[derive(Clone)]
    /// struct Greeting(&'static str);
    ///
    /// async fn greet(State(Greeting(text)): State<Greeting>) -> &'static str { text }
    ///
    /// let app = lambdo::App::new(Greeting("hi")).http(Router::new().route("/", get(greet)));
    /// # let _ = app;
    /// ```
    pub fn http(mut self, router: Router<S>) -> Self {
        self.router = Some(router.with_state(self.sources.state.clone()));
        self
    }

    /// Handles direct invocations (the `Invoke` API, Step Functions, SDK calls): any event
    /// that no other registered source claims is decoded into the handler's [`Json<T>`]
    /// argument, and the handler's `Ok` value is the JSON response.
    ///
    /// ```
    /// use lambdo::Json;
    ///
    /// #[derive(serde::Deserialize)]
    /// struct Add { a: i64, b: i64 }
    ///
    /// async fn add(Json(add): Json<Add>) -> Result<i64, lambdo::BoxError> {
    ///     Ok(add.a + add.b)
    /// }
    ///
    /// let app = lambdo::App::new(()).invoke(add);
    /// # let _ = app;
    /// ```
    ///
    /// [`Json<T>`]: crate::Json
    pub fn invoke<H, Args>(mut self, handler: H) -> Self
    where
        H: Handler<Args, S, InvokePayload>,
        H::Output: IntoInvokeResponse,
        Args: 'static,
    {
        self.sources.invoke = Some(InvokeSource::new(handler));
        self
    }

    /// Handles SQS batches (standard and FIFO queues), one call per message, with the
    /// default [`BatchOptions`]. The handler's last argument is a
    /// [`Message<T>`](crate::sqs::Message) or an [`SqsRecord`]; it returns
    /// `Result<(), E>`. See [`crate::sqs`].
    ///
    /// # Panics
    ///
    /// When an SQS handler is already registered: one function has one SQS handler.
    ///
    /// ```
    /// use lambdo::sqs::Message;
    ///
    /// async fn on_order(message: Message<serde_json::Value>) -> Result<(), lambdo::BoxError> {
    ///     tracing::info!(id = message.message_id(), "order");
    ///     Ok(())
    /// }
    /// let app = lambdo::App::new(()).sqs(on_order);
    /// # let _ = app;
    /// ```
    pub fn sqs<H, Args>(self, handler: H) -> Self
    where
        H: Handler<Args, S, SqsRecord>,
        H::Output: IntoRecordResult,
        Args: 'static,
    {
        self.sqs_with(BatchOptions::default(), handler)
    }

    /// [`App::sqs`] with `options`: concurrency, deadline margin, whole-batch failure.
    ///
    /// # Panics
    ///
    /// When an SQS handler is already registered.
    ///
    /// ```
    /// use lambdo::{batch::BatchOptions, sqs::SqsRecord};
    ///
    /// async fn on_line(record: SqsRecord) -> Result<(), lambdo::BoxError> { Ok(()) }
    /// let app = lambdo::App::new(()).sqs_with(BatchOptions::new().concurrency(8), on_line);
    /// # let _ = app;
    /// ```
    pub fn sqs_with<H, Args>(mut self, options: BatchOptions, handler: H) -> Self
    where
        H: Handler<Args, S, SqsRecord>,
        H::Output: IntoRecordResult,
        Args: 'static,
    {
        assert!(
            self.sources.sqs.is_none(),
            "an SQS handler is already registered (one per function: route by queue inside it \
             with `SqsRecord::queue_arn`)"
        );
        self.sources.sqs = Some(BatchSource::new(handler, options));
        self
    }

    /// Handles Kinesis Data Streams batches, one call per record in shard order, with
    /// the default [`BatchOptions`]. The handler's last argument is a
    /// [`kinesis::Record<T>`](crate::kinesis::Record) or a [`KinesisRecord`]. See
    /// [`crate::kinesis`].
    ///
    /// # Panics
    ///
    /// When a Kinesis handler is already registered.
    ///
    /// ```
    /// use lambdo::kinesis::Record;
    ///
    /// async fn on_event(record: Record<serde_json::Value>) -> Result<(), lambdo::BoxError> { Ok(()) }
    /// let app = lambdo::App::new(()).kinesis(on_event);
    /// # let _ = app;
    /// ```
    pub fn kinesis<H, Args>(self, handler: H) -> Self
    where
        H: Handler<Args, S, KinesisRecord>,
        H::Output: IntoRecordResult,
        Args: 'static,
    {
        self.kinesis_with(BatchOptions::default(), handler)
    }

    /// [`App::kinesis`] with `options` (deadline margin, whole-batch failure).
    ///
    /// # Panics
    ///
    /// When a Kinesis handler is already registered.
    pub fn kinesis_with<H, Args>(mut self, options: BatchOptions, handler: H) -> Self
    where
        H: Handler<Args, S, KinesisRecord>,
        H::Output: IntoRecordResult,
        Args: 'static,
    {
        assert!(
            self.sources.kinesis.is_none(),
            "a Kinesis handler is already registered"
        );
        self.sources.kinesis = Some(BatchSource::new(handler, options));
        self
    }

    /// Handles DynamoDB Streams batches, one call per change in shard order, with the
    /// default [`BatchOptions`]. The handler's last argument is a
    /// [`Change<T>`](crate::dynamodb::Change), a
    /// [`StreamRecord<T>`](crate::dynamodb::StreamRecord) or a [`DynamoDbRecord`]. See
    /// [`crate::dynamodb`].
    ///
    /// # Panics
    ///
    /// When a DynamoDB Streams handler is already registered.
    ///
    /// ```
    /// use lambdo::dynamodb::Change;
    ///
    /// async fn on_change(change: Change<serde_json::Value>) -> Result<(), lambdo::BoxError> { Ok(()) }
    /// let app = lambdo::App::new(()).dynamodb_stream(on_change);
    /// # let _ = app;
    /// ```
    pub fn dynamodb_stream<H, Args>(self, handler: H) -> Self
    where
        H: Handler<Args, S, DynamoDbRecord>,
        H::Output: IntoRecordResult,
        Args: 'static,
    {
        self.dynamodb_stream_with(BatchOptions::default(), handler)
    }

    /// [`App::dynamodb_stream`] with `options` (deadline margin, whole-batch failure).
    ///
    /// # Panics
    ///
    /// When a DynamoDB Streams handler is already registered.
    pub fn dynamodb_stream_with<H, Args>(mut self, options: BatchOptions, handler: H) -> Self
    where
        H: Handler<Args, S, DynamoDbRecord>,
        H::Output: IntoRecordResult,
        Args: 'static,
    {
        assert!(
            self.sources.dynamodb.is_none(),
            "a DynamoDB Streams handler is already registered"
        );
        self.sources.dynamodb = Some(BatchSource::new(handler, options));
        self
    }

    /// Handles SNS notifications. The handler's last argument is a
    /// [`Notification<T>`](crate::sns::Notification) or an [`SnsRecord`]; a failure
    /// fails the invocation. See [`crate::sns`].
    ///
    /// # Panics
    ///
    /// When an SNS handler is already registered.
    ///
    /// ```
    /// use lambdo::sns::Notification;
    ///
    /// async fn on_news(news: Notification<serde_json::Value>) -> Result<(), lambdo::BoxError> { Ok(()) }
    /// let app = lambdo::App::new(()).sns(on_news);
    /// # let _ = app;
    /// ```
    pub fn sns<H, Args>(mut self, handler: H) -> Self
    where
        H: Handler<Args, S, SnsRecord>,
        H::Output: IntoRecordResult,
        Args: 'static,
    {
        assert!(self.sources.sns.is_none(), "an SNS handler is already registered");
        self.sources.sns = Some(BatchSource::each(handler));
        self
    }

    /// Handles S3 event notifications, one call per object event. The handler's last
    /// argument is an [`ObjectEvent`]; a failure fails the invocation. See
    /// [`crate::s3`].
    ///
    /// # Panics
    ///
    /// When an S3 handler is already registered.
    ///
    /// ```
    /// use lambdo::s3::ObjectEvent;
    ///
    /// async fn on_object(object: ObjectEvent) -> Result<(), lambdo::BoxError> { Ok(()) }
    /// let app = lambdo::App::new(()).s3(on_object);
    /// # let _ = app;
    /// ```
    pub fn s3<H, Args>(mut self, handler: H) -> Self
    where
        H: Handler<Args, S, ObjectEvent>,
        H::Output: IntoRecordResult,
        Args: 'static,
    {
        assert!(self.sources.s3.is_none(), "an S3 handler is already registered");
        self.sources.s3 = Some(BatchSource::each(handler));
        self
    }

    /// Handles EventBridge events of `source` and `detail_type`. The handler's last
    /// argument is an [`Event<T>`](crate::eventbridge::Event); it returns
    /// `Result<(), E>`. Register once per pair; see [`crate::eventbridge`].
    ///
    /// # Panics
    ///
    /// When a handler is already registered for the same `source` and `detail_type`.
    ///
    /// ```
    /// use lambdo::eventbridge::Event;
    ///
    /// async fn on_shipped(event: Event<serde_json::Value>) -> Result<(), lambdo::BoxError> { Ok(()) }
    /// let app = lambdo::App::new(()).eventbridge("com.example.shop", "OrderShipped", on_shipped);
    /// # let _ = app;
    /// ```
    pub fn eventbridge<H, Args>(mut self, source: &str, detail_type: &str, handler: H) -> Self
    where
        H: Handler<Args, S, EventBridgePayload>,
        H::Output: IntoRecordResult,
        Args: 'static,
    {
        assert!(
            !self.sources.eventbridge.iter().any(|(s, d, _)| s == source && d == detail_type),
            "an EventBridge handler for source `{source}` and detail-type `{detail_type}` is already registered"
        );
        self.sources.eventbridge.push((
            source.to_owned(),
            detail_type.to_owned(),
            batch::erase_record(handler),
        ));
        self
    }

    /// Handles scheduled events: EventBridge rules and EventBridge Scheduler schedules
    /// (see [`Scheduled`](crate::eventbridge::Scheduled) for the Scheduler input). The
    /// handler's last argument is a [`Scheduled`](crate::eventbridge::Scheduled) or an
    /// [`Event<T>`](crate::eventbridge::Event).
    ///
    /// # Panics
    ///
    /// When a schedule handler is already registered (one per function: tell schedules
    /// apart by [`Scheduled::schedule_arn`](crate::eventbridge::Scheduled::schedule_arn)).
    ///
    /// ```
    /// use lambdo::eventbridge::Scheduled;
    ///
    /// async fn hourly(tick: Scheduled) -> Result<(), lambdo::BoxError> { Ok(()) }
    /// let app = lambdo::App::new(()).schedule(hourly);
    /// # let _ = app;
    /// ```
    pub fn schedule<H, Args>(mut self, handler: H) -> Self
    where
        H: Handler<Args, S, EventBridgePayload>,
        H::Output: IntoRecordResult,
        Args: 'static,
    {
        assert!(
            self.sources.schedule.is_none(),
            "a schedule handler is already registered"
        );
        self.sources.schedule = Some(batch::erase_record(handler));
        self
    }

    /// Caps HTTP request bodies at `bytes`; a larger body is a 413 problem response.
    /// Defaults to 6 MiB, Lambda's own request payload limit.
    ///
    /// ```
    /// let app = lambdo::App::new(()).body_limit(64 * 1024);
    /// # let _ = app;
    /// ```
    pub fn body_limit(mut self, bytes: usize) -> Self {
        self.body_limit = bytes;
        self
    }

    /// Sets the metrics' namespace, service and writer. By default they come from the
    /// environment ([`MetricsConfig::from_env`]) and go to stdout when [`App::run`]
    /// serves the function; a [`Function`] called in-process writes none.
    ///
    /// ```
    /// use lambdo::metrics::MetricsConfig;
    ///
    /// let app = lambdo::App::new(()).metrics(MetricsConfig::new("Shop", "orders"));
    /// # let _ = app;
    /// ```
    pub fn metrics(mut self, config: MetricsConfig) -> Self {
        self.metrics = Some(config);
        self
    }

    /// Finishes the app into a [`Function`] that takes events: what [`App::run`] serves,
    /// and what tests and benchmarks call in-process.
    ///
    /// ```
    /// let function = lambdo::App::new(()).into_function();
    /// # let _ = function;
    /// ```
    pub fn into_function(self) -> Function {
        let mut sources = self.sources;
        sources.http = self.router.map(|router| HttpSource::new(router, self.body_limit));
        Function::new(
            sources,
            self.metrics.unwrap_or_else(MetricsConfig::default_for_app),
        )
    }

    /// Runs the function: against the Lambda Runtime API when `AWS_LAMBDA_RUNTIME_API` is
    /// set (in Lambda, or under an emulator), otherwise as a local server (see
    /// [`crate::run`] for the local mode's address and endpoints).
    pub async fn run(self) -> Result<(), crate::BoxError> {
        crate::runtime::run(self.into_function()).await
    }
}
