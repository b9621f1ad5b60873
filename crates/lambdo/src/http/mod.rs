//! HTTP: axum routers served for API Gateway (REST v1, HTTP API v2), ALB and Function
//! URL events, and locally.
//!
//! Routes are written once, without the stage: `/todos/{id}` matches
//! `/prod/todos/1` on a REST API's `prod` stage, `/todos/1` on an HTTP API's `$default`
//! stage, and the same path from an ALB or a Function URL. Every error response is an
//! RFC 9457 [`Problem`].
//!
//! lambdo builds axum without its `matched-path` feature (it costs an extension per
//! request and lambdo does not use it); to extract `axum::extract::MatchedPath`, enable
//! the feature in your own `axum` dependency.

mod bare_errors;
mod cors;
mod event;
mod extract;
mod json;
mod problem;
mod response;
mod stream;

use std::{any::Any, panic::AssertUnwindSafe};

use axum::{
    body::Body,
    extract::DefaultBodyLimit,
    response::{IntoResponse, Response},
    Router,
};
use bytes::Bytes;
use futures_util::FutureExt;
use http::Request;
use tower::ServiceExt;
use tower_http::catch_panic::CatchPanicLayer;

pub use cors::{Cors, CorsError};
use event::{HttpEvent, HttpFields, NotHttp, HTTP_KEYS};
pub(crate) use event::{HttpPayload, ResponseFormat};
pub(crate) use extract::LambdaRequest;
pub use extract::{Claims, LambdaContext, RequestContext};
pub use json::JsonRejection;
pub use problem::{Problem, PROBLEM_JSON};

use crate::{
    error::panic_message,
    source::{Answer, EventReader, ReadError, Source, SourceFuture, Value},
    Context, Error,
};

/// Lambda's limit on a synchronous request payload, the default HTTP body limit.
pub(crate) const DEFAULT_BODY_LIMIT: usize = 6 * 1024 * 1024;

/// The app's router with lambdo's layers, ready for Lambda events or local serving.
#[derive(Clone)]
pub(crate) struct HttpSource {
    router: Router,
    body_limit: DefaultBodyLimit,
    /// Function URL responses are streamed (`InvokeMode: RESPONSE_STREAM`).
    stream_function_urls: bool,
}

impl HttpSource {
    pub(crate) fn new(router: Router, body_limit: usize) -> Self {
        HttpSource {
            router,
            body_limit: DefaultBodyLimit::max(body_limit),
            stream_function_urls: false,
        }
    }

    pub(crate) fn stream_function_urls(&mut self) {
        self.stream_function_urls = true;
    }

    pub(crate) fn set_router(&mut self, router: Router) {
        self.router = router;
    }

    /// Wraps every route (and the fallback) in `layer`.
    pub(crate) fn layer_router(&mut self, layer: tower_http::cors::CorsLayer) {
        self.router = std::mem::take(&mut self.router).layer(layer);
    }

    pub(crate) fn set_body_limit(&mut self, bytes: usize) {
        self.body_limit = DefaultBodyLimit::max(bytes);
    }

    /// The router with lambdo's layers, for local serving: what `request` and
    /// `respond` do around the router for Lambda events, as layers.
    pub(crate) fn router(&self) -> Router {
        self.router
            .clone()
            .layer(self.body_limit)
            .layer(CatchPanicLayer::custom(panic_into_problem))
            .layer(axum::middleware::map_response(bare_errors::into_problem))
    }

    /// The router's request for one HTTP event, already read from `bytes`.
    ///
    /// Synchronous, apart from [`HttpSource::respond`]: the event's fields and the
    /// context are used up here, so no future has to carry them.
    pub(crate) fn request(
        &self,
        event: HttpEvent<'_>,
        bytes: &Bytes,
        context: Context,
    ) -> Result<(Request<Body>, ResponseFormat), (Problem, ResponseFormat)> {
        let span = tracing::Span::current();
        let correlation_id = (!span.is_disabled())
            .then(|| event.request_id().map(str::to_owned))
            .flatten();
        let (mut request, format) = event.into_request(bytes, context)?;
        // What the `DefaultBodyLimit` layer would do, without a layer around every route
        // (each is a boxed service and a boxed future per request).
        self.body_limit.apply(&mut request);
        if !span.is_disabled() {
            // API Gateway's request id; an ALB request is known by its trace id header.
            let trace_id = || {
                request
                    .headers()
                    .get("x-amzn-trace-id")?
                    .to_str()
                    .ok()
                    .map(str::to_owned)
            };
            if let Some(correlation_id) = correlation_id.or_else(trace_id) {
                span.record("correlation_id", correlation_id.as_str());
            }
        }
        Ok((request, format))
    }

    /// Routes `request` and writes the caller's response: streamed, or as the JSON of
    /// `format`.
    pub(crate) async fn respond(&self, request: Request<Body>, format: Answering) -> Result<Answer, Error> {
        // The panic catching and error mapping the local router does as layers, done
        // here around the one call, without a layer's cost on every route.
        let response = match AssertUnwindSafe(self.router.clone().oneshot(request))
            .catch_unwind()
            .await
        {
            Ok(Ok(response)) => response,
            Ok(Err(infallible)) => match infallible {},
            Err(panic) => panic_into_problem(panic),
        };
        let response = bare_errors::into_problem(response).await;
        format.answer(response).await
    }
}

impl<S: Send + Sync + 'static> Source<S> for HttpSource {
    fn names(&self) -> &[&'static str] {
        &["http"]
    }

    fn keys(&self) -> &'static [&'static str] {
        HTTP_KEYS
    }

    fn reader<'e>(&'e self, _event: &'e [u8]) -> Box<dyn EventReader<'e, S> + 'e> {
        Box::new(HttpReader {
            source: self,
            fields: HttpFields::default(),
            event: None,
        })
    }
}

/// One event, as the HTTP source reads it.
struct HttpReader<'e> {
    source: &'e HttpSource,
    fields: HttpFields<'e>,
    /// What the fields make, once the whole event is read.
    event: Option<Result<Box<HttpEvent<'e>>, NotHttp>>,
}

impl<'e, S: Send + Sync + 'static> EventReader<'e, S> for HttpReader<'e> {
    fn read(&mut self, key: &str, value: Value<'_, 'e>) -> Result<(), ReadError> {
        self.fields.read(key, value)
    }

    fn claims(&mut self) -> bool {
        // Boxed: the event is moved into the future that handles it, and one allocation
        // costs less than copying ~400 bytes along the way.
        let event = self
            .event
            .get_or_insert_with(|| std::mem::take(&mut self.fields).into_event().map(Box::new));
        event.is_ok()
    }

    fn near_miss(&self) -> Option<String> {
        match &self.event {
            Some(Err(NotHttp::Malformed(why))) => {
                Some(format!("an event shaped like an HTTP event, but {why}"))
            }
            _ => None,
        }
    }

    fn handle(self: Box<Self>, event: &'e Bytes, context: Context, _state: &'e S) -> SourceFuture<'e> {
        let source = self.source;
        let request = match self.event {
            Some(Ok(http)) => {
                let stream = source.stream_function_urls && http.is_function_url();
                Ok(source
                    .request(*http, event, context)
                    .map(|(request, format)| (request, Answering { format, stream }))
                    .map_err(|(problem, format)| (problem, Answering { format, stream })))
            }
            _ => Err(Error::unsupported_event(
                "an event the HTTP source did not claim",
                vec!["http"],
            )),
        };
        match request {
            Ok(Ok((request, format))) => Box::pin(source.respond(request, format)),
            // A request that cannot be one is answered, not failed: API Gateway would
            // answer a failed invocation with a 502.
            Ok(Err((problem, format))) => Box::pin(format.answer(problem.into_response())),
            Err(error) => Box::pin(std::future::ready(Err(error))),
        }
    }
}

/// How a response goes back: streamed, or as the JSON of its event's format.
#[derive(Clone, Copy)]
pub(crate) struct Answering {
    format: ResponseFormat,
    stream: bool,
}

impl Answering {
    async fn answer(self, response: Response) -> Result<Answer, Error> {
        if self.stream {
            return Ok(stream::answer(response));
        }
        response::into_lambda_response(response, self.format)
            .await
            .map(Answer::from)
    }
}

fn panic_into_problem(panic: Box<dyn Any + Send + 'static>) -> Response {
    tracing::error!(panic = %panic_message(panic.as_ref()), "an HTTP handler panicked");
    Problem::new(http::StatusCode::INTERNAL_SERVER_ERROR).into_response()
}
