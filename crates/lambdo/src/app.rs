//! `App`: the builder that registers a function's sources.

#[cfg(feature = "http")]
use axum::Router;

#[cfg(feature = "authorizer")]
use crate::authorizer::{Authorizer, AuthorizerRequest, IntoAuthorization};
#[cfg(feature = "cognito")]
use crate::cognito::{Cognito, IntoTriggerResponse, Trigger};
#[cfg(feature = "dynamodb")]
use crate::dynamodb::DynamoDbRecord;
#[cfg(feature = "eventbridge")]
use crate::eventbridge::{EventBridge, EventBridgePayload};
#[cfg(feature = "http")]
use crate::http::{Cors, HttpSource, DEFAULT_BODY_LIMIT};
#[cfg(feature = "kinesis")]
use crate::kinesis::KinesisRecord;
#[cfg(feature = "metrics")]
use crate::metrics::MetricsConfig;
#[cfg(feature = "s3")]
use crate::s3::ObjectEvent;
#[cfg(feature = "sns")]
use crate::sns::SnsRecord;
#[cfg(feature = "sqs")]
use crate::sqs::SqsRecord;
#[cfg(feature = "websocket")]
use crate::websocket::{IntoWebSocketResponse, WebSocket, WebSocketEvent};
#[allow(unused_imports, reason = "each batch source's registration uses some")]
use crate::{
    batch::{BatchOptions, IntoRecordResult},
    guard::erase_record,
    records::{Batch, Record},
};
use crate::{
    dispatch::Registry, function::Function, hooks::ShutdownHooks, invoke::InvokeSource, records::Records,
    source::Source, Handler, IntoInvokeResponse, InvokePayload,
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
    /// The registrations so far, in order.
    sources: Registry<S>,
    #[cfg(feature = "http")]
    body_limit: usize,
    #[cfg(feature = "metrics")]
    metrics: Option<MetricsConfig>,
    #[cfg(feature = "http")]
    cors: Option<Cors>,
    shutdown: ShutdownHooks,
    #[cfg(feature = "http")]
    stream_function_urls: bool,
    #[cfg(feature = "opentelemetry")]
    opentelemetry: Option<crate::otel::OpenTelemetry>,
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
            sources: Registry::new(state),
            #[cfg(feature = "http")]
            body_limit: DEFAULT_BODY_LIMIT,
            #[cfg(feature = "metrics")]
            metrics: None,
            #[cfg(feature = "http")]
            cors: None,
            shutdown: ShutdownHooks::default(),
            #[cfg(feature = "http")]
            stream_function_urls: false,
            #[cfg(feature = "opentelemetry")]
            opentelemetry: None,
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
    #[cfg(feature = "http")]
    pub fn http(mut self, router: Router<S>) -> Self {
        let router = router.with_state(self.sources.state.clone());
        self.sources
            .one_of(|| HttpSource::new(Router::new(), DEFAULT_BODY_LIMIT))
            .set_router(router);
        self
    }

    /// Registers an event source: one of lambdo's, or one you write (see
    /// [`crate::source`] for the abstraction, and an example). `.http(..)`, `.sqs(..)`
    /// and the others are this with lambdo's sources. When several sources claim an
    /// event, the one registered first takes it.
    ///
    /// ```
    /// # use lambdo::{source::*, App, Context};
    /// # struct Nothing;
    /// # impl<S: Send + Sync + 'static> Source<S> for Nothing {
    /// #     fn names(&self) -> &[&'static str] { &["nothing"] }
    /// #     fn keys(&self) -> &'static [&'static str] { &[] }
    /// #     fn reader<'e>(&'e self, _: &'e [u8]) -> Box<dyn EventReader<'e, S> + 'e> { unreachable!("reads no key") }
    /// # }
    /// let function = App::new(()).source(Nothing).into_function();
    /// assert_eq!(function.sources(), ["nothing"]);
    /// ```
    pub fn source(mut self, source: impl Source<S>) -> Self {
        self.sources.add(source);
        self
    }

    /// Registers the record source of `R` (its `Records` batches) with `handler`.
    #[cfg(any(
        feature = "sqs",
        feature = "kinesis",
        feature = "dynamodb",
        feature = "sns",
        feature = "s3"
    ))]
    fn records<R, H, Args>(mut self, options: BatchOptions, handler: H) -> Self
    where
        R: Record,
        H: Handler<Args, S, R>,
        H::Output: IntoRecordResult,
        Args: 'static,
    {
        self.sources
            .one_of(Records::default)
            .add(Batch::new(erase_record(handler), options));
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
    #[cfg(feature = "sqs")]
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
    #[cfg(feature = "sqs")]
    pub fn sqs_with<H, Args>(self, options: BatchOptions, handler: H) -> Self
    where
        H: Handler<Args, S, SqsRecord>,
        H::Output: IntoRecordResult,
        Args: 'static,
    {
        self.records::<SqsRecord, _, _>(options, handler)
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
    #[cfg(feature = "kinesis")]
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
    #[cfg(feature = "kinesis")]
    pub fn kinesis_with<H, Args>(self, options: BatchOptions, handler: H) -> Self
    where
        H: Handler<Args, S, KinesisRecord>,
        H::Output: IntoRecordResult,
        Args: 'static,
    {
        self.records::<KinesisRecord, _, _>(options, handler)
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
    #[cfg(feature = "dynamodb")]
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
    #[cfg(feature = "dynamodb")]
    pub fn dynamodb_stream_with<H, Args>(self, options: BatchOptions, handler: H) -> Self
    where
        H: Handler<Args, S, DynamoDbRecord>,
        H::Output: IntoRecordResult,
        Args: 'static,
    {
        self.records::<DynamoDbRecord, _, _>(options, handler)
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
    #[cfg(feature = "sns")]
    pub fn sns<H, Args>(self, handler: H) -> Self
    where
        H: Handler<Args, S, SnsRecord>,
        H::Output: IntoRecordResult,
        Args: 'static,
    {
        self.records::<SnsRecord, _, _>(BatchOptions::default(), handler)
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
    #[cfg(feature = "s3")]
    pub fn s3<H, Args>(self, handler: H) -> Self
    where
        H: Handler<Args, S, ObjectEvent>,
        H::Output: IntoRecordResult,
        Args: 'static,
    {
        self.records::<ObjectEvent, _, _>(BatchOptions::default(), handler)
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
    #[cfg(feature = "eventbridge")]
    pub fn eventbridge<H, Args>(mut self, source: &str, detail_type: &str, handler: H) -> Self
    where
        H: Handler<Args, S, EventBridgePayload>,
        H::Output: IntoRecordResult,
        Args: 'static,
    {
        self.sources
            .one_of(EventBridge::default)
            .route(source, detail_type, erase_record(handler));
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
    #[cfg(feature = "eventbridge")]
    pub fn schedule<H, Args>(mut self, handler: H) -> Self
    where
        H: Handler<Args, S, EventBridgePayload>,
        H::Output: IntoRecordResult,
        Args: 'static,
    {
        self.sources
            .one_of(EventBridge::default)
            .schedule(erase_record(handler));
        self
    }

    /// Answers API Gateway Lambda authorizers (REST TOKEN and REQUEST, HTTP API payload
    /// 1.0 and 2.0, WebSocket `$connect`). The handler's last argument is an
    /// [`AuthorizerRequest`]; it returns `Result<Authorization, E>` (see
    /// [`crate::authorizer`]).
    ///
    /// # Panics
    ///
    /// When an authorizer is already registered.
    ///
    /// ```
    /// use lambdo::authorizer::{Authorization, AuthorizerRequest};
    ///
    /// async fn open(request: AuthorizerRequest) -> Result<Authorization, lambdo::BoxError> {
    ///     Ok(Authorization::allow("anyone", request.resource_arn()))
    /// }
    /// let app = lambdo::App::new(()).authorizer(open);
    /// # let _ = app;
    /// ```
    #[cfg(feature = "authorizer")]
    pub fn authorizer<H, Args>(mut self, handler: H) -> Self
    where
        H: Handler<Args, S, AuthorizerRequest>,
        H::Output: IntoAuthorization,
        Args: 'static,
    {
        assert!(
            self.sources.find::<Authorizer<S>>().is_none(),
            "an authorizer is already registered"
        );
        self.sources.add(Authorizer::new(handler));
        self
    }

    /// Answers a Cognito user pool trigger; register once per trigger. The handler's last
    /// argument is the trigger's event ([`PreSignUp`](crate::cognito::PreSignUp),
    /// [`PreTokenGeneration`](crate::cognito::PreTokenGeneration)…), which decides the
    /// trigger; it returns `Result<Response, E>` with the trigger's response part, and
    /// lambdo answers the event with it (see [`crate::cognito`]).
    ///
    /// # Panics
    ///
    /// When a handler of the same trigger is already registered.
    ///
    /// ```
    /// use lambdo::cognito::{PostConfirmation, PostConfirmationResponse};
    ///
    /// async fn welcome(event: PostConfirmation) -> Result<PostConfirmationResponse, lambdo::BoxError> {
    ///     tracing::info!(user = event.cognito_event_user_pools_header.user_name, "confirmed");
    ///     Ok(PostConfirmationResponse::default())
    /// }
    /// let app = lambdo::App::new(()).cognito(welcome);
    /// # let _ = app;
    /// ```
    #[cfg(feature = "cognito")]
    pub fn cognito<T, H, Args>(mut self, handler: H) -> Self
    where
        T: Trigger,
        H: Handler<Args, S, T>,
        H::Output: IntoTriggerResponse<T::Response>,
        Args: 'static,
    {
        self.sources.one_of(Cognito::default).route::<T, H, Args>(handler);
        self
    }

    /// Handles a WebSocket API route: `route_key` is `$connect`, `$disconnect`,
    /// `$default` or one of your route keys. The handler's last argument is a
    /// [`WebSocketEvent`]; it returns `Result<WebSocketResponse, E>` or `Result<(), E>`
    /// (see [`crate::websocket`]).
    ///
    /// # Panics
    ///
    /// When a handler of `route_key` is already registered.
    ///
    /// ```
    /// use lambdo::websocket::WebSocketEvent;
    ///
    /// async fn on_message(event: WebSocketEvent) -> Result<(), lambdo::BoxError> {
    ///     tracing::info!(connection = event.connection_id(), "message");
    ///     Ok(())
    /// }
    /// let app = lambdo::App::new(()).websocket("$default", on_message);
    /// # let _ = app;
    /// ```
    #[cfg(feature = "websocket")]
    pub fn websocket<H, Args>(mut self, route_key: &str, handler: H) -> Self
    where
        H: Handler<Args, S, WebSocketEvent>,
        H::Output: IntoWebSocketResponse,
        Args: 'static,
    {
        self.sources.one_of(WebSocket::default).route(route_key, handler);
        self
    }

    /// Caps HTTP request bodies at `bytes`; a larger body is a 413 problem response.
    /// Defaults to 6 MiB, Lambda's own request payload limit.
    ///
    /// ```
    /// let app = lambdo::App::new(()).body_limit(64 * 1024);
    /// # let _ = app;
    /// ```
    #[cfg(feature = "http")]
    pub fn body_limit(mut self, bytes: usize) -> Self {
        self.body_limit = bytes;
        self
    }

    /// Lets pages of other origins call the HTTP routes, as `cors` says (CORS is off
    /// without it: browsers then keep other sites' pages from reading any response).
    /// Preflight requests are answered before any route; every payload version and
    /// local mode get the same headers.
    ///
    /// An unusable setting (any origin with credentials, a malformed origin) stops the
    /// app from starting: [`App::run`] returns the error, and [`App::into_function`]
    /// panics with it.
    ///
    /// ```
    /// use axum::{routing::get, Router};
    /// use lambdo::http::Cors;
    ///
    /// let app = lambdo::App::new(())
    ///     .http(Router::new().route("/todos", get(|| async { "[]" })))
    ///     .cors(Cors::origins(["https://app.example.com"]).allow_credentials());
    /// # let _ = app;
    /// ```
    #[cfg(feature = "http")]
    pub fn cors(mut self, cors: Cors) -> Self {
        self.cors = Some(cors);
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
    #[cfg(feature = "metrics")]
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
    ///
    /// # Panics
    ///
    /// If the app's setting cannot be used (see [`App::cors`]); [`App::run`] returns
    /// the same error instead.
    pub fn into_function(self) -> Function {
        self.try_into_function().unwrap_or_else(|error| panic!("{error}"))
    }

    fn try_into_function(self) -> Result<Function, crate::BoxError> {
        let mut sources = self.sources;
        #[cfg(feature = "http")]
        let router = {
            let cors = self.cors.as_ref().map(Cors::check).transpose()?;
            sources.find::<HttpSource>().map(|http| {
                http.set_body_limit(self.body_limit);
                if self.stream_function_urls {
                    http.stream_function_urls();
                }
                if let Some(cors) = cors {
                    http.layer_router(cors);
                }
                http.router()
            })
        };
        if sources.invoke.is_none() {
            // They take no event without handlers, but tell what a batch of records or
            // an EventBridge event was when no source takes it (with an invoke handler,
            // that one takes it).
            sources.one_of(Records::default);
            #[cfg(feature = "eventbridge")]
            sources.one_of(EventBridge::default);
        }
        #[cfg(feature = "opentelemetry")]
        let opentelemetry = self.opentelemetry.map(|otel| {
            // After the app's own hooks, so that their spans are exported too.
            let otel = std::sync::Arc::new(otel);
            let last = std::sync::Arc::clone(&otel);
            self.shutdown.push(Box::new(move || Box::pin(last.shutdown())));
            otel
        });
        let function = Function::new(sources.into_dispatcher(), self.shutdown);
        #[cfg(feature = "opentelemetry")]
        let function = function.with_opentelemetry(opentelemetry);
        #[cfg(feature = "metrics")]
        let function = function.with_metrics(self.metrics.unwrap_or_else(MetricsConfig::default_for_app));
        #[cfg(feature = "http")]
        let function = function.with_router(router);
        Ok(function)
    }

    /// Streams the HTTP responses to Function URL events, for a Function URL with
    /// `InvokeMode: RESPONSE_STREAM`: the status and headers go first, then the body as
    /// the route produces it (server-sent events, a large download, chunks made over
    /// time), up to Lambda's streaming limits instead of its 6 MB. A body that fails
    /// midway ends the stream with the error (Lambda's error trailers) and a log line.
    ///
    /// Other HTTP events (API Gateway, ALB) are answered buffered, as their invokers
    /// take them; so is a Function URL event through [`Function::call`] and local
    /// mode's invoke endpoint. Local mode serves the routes themselves, streaming.
    /// The Function URL's `InvokeMode` must be `RESPONSE_STREAM`: a `BUFFERED` one
    /// cannot read a streamed response.
    ///
    /// ```no_run
    /// use axum::{body::Body, routing::get, Router};
    ///
    /// async fn countdown() -> Body {
    ///     let ticks = futures_util::stream::iter(["3\n", "2\n", "1\n"])
    ///         .then(|tick| async move {
    ///             tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    ///             Ok::<_, std::convert::Infallible>(tick)
    ///         });
    ///     Body::from_stream(ticks)
    /// }
    /// # use futures_util::StreamExt;
    ///
    /// # async fn example() -> Result<(), lambdo::BoxError> {
    /// lambdo::App::new(())
    ///     .http(Router::new().route("/countdown", get(countdown)))
    ///     .stream_function_urls()
    ///     .run()
    ///     .await
    /// # }
    /// ```
    #[cfg(feature = "http")]
    pub fn stream_function_urls(mut self) -> Self {
        self.stream_function_urls = true;
        self
    }

    /// Sends every span (the invocation's, each record's, yours, lambdo-dynamodb's AWS
    /// calls) to `provider`, an OpenTelemetry tracer provider with your exporter,
    /// instead of X-Ray: see [`crate::otel`] for what lambdo adds to the spans, how the
    /// invocation's parent is found, and when the provider is flushed.
    ///
    /// ```no_run
    /// use opentelemetry_sdk::trace::SdkTracerProvider;
    ///
    /// # async fn example() -> Result<(), lambdo::BoxError> {
    /// let exporter = opentelemetry_otlp::SpanExporter::builder().with_http().build()?;
    /// let provider = SdkTracerProvider::builder().with_batch_exporter(exporter).build();
    /// lambdo::App::new(()).opentelemetry(provider).run().await
    /// # }
    /// ```
    #[cfg(feature = "opentelemetry")]
    pub fn opentelemetry(mut self, provider: opentelemetry_sdk::trace::SdkTracerProvider) -> Self {
        self.opentelemetry = Some(crate::otel::OpenTelemetry::new(provider));
        self
    }

    /// Runs `hook` with the app's state when the process ends: on SIGTERM in Lambda
    /// (before the execution environment is shut down), when the local server stops.
    /// For what must not be lost with the process: buffers to flush, connections to
    /// close. Hooks run in the order they were added.
    ///
    /// In Lambda the hooks have the shutdown window Lambda gives (500 ms when only
    /// lambdo's internal extension is registered, which it registers for them: Lambda
    /// sends SIGTERM only to functions with an extension). A hook that panics is
    /// logged and the next one runs.
    ///
    /// ```no_run
    /// use lambdo::App;
    ///
    /// #[derive(Clone)]
    /// struct AppState { audit: std::sync::Arc<tokio::sync::Mutex<Vec<String>>> }
    ///
    /// # async fn example() -> Result<(), lambdo::BoxError> {
    /// let state = AppState { audit: Default::default() };
    /// App::new(state)
    ///     .on_shutdown(|state: AppState| async move {
    ///         let pending = state.audit.lock().await.len();
    ///         tracing::info!(pending, "flushing the audit buffer");
    ///     })
    ///     .run()
    ///     .await
    /// # }
    /// ```
    pub fn on_shutdown<F, Fut>(self, hook: F) -> Self
    where
        F: FnOnce(S) -> Fut + Send + 'static,
        Fut: std::future::Future<Output = ()> + Send + 'static,
    {
        let state = self.sources.state.clone();
        self.shutdown.push(Box::new(move || Box::pin(hook(state))));
        self
    }

    /// Runs the function: against the Lambda Runtime API when `AWS_LAMBDA_RUNTIME_API` is
    /// set (in Lambda, or under an emulator), otherwise as a local server (see
    /// [`crate::run`] for the local mode's address and endpoints).
    ///
    /// Settings that cannot be used (see [`App::cors`]) end the cold start as
    /// [`crate::fail_init`] does.
    pub async fn run(self) -> Result<(), crate::BoxError> {
        match self.try_into_function() {
            Ok(function) => crate::runtime::run(function).await,
            Err(error) => Err(crate::fail_init(error).await),
        }
    }
}
