//! API Gateway WebSocket APIs: `$connect`, `$disconnect`, `$default` and your own route
//! keys, routed by the event's `requestContext.routeKey`.
//!
//! Register a handler per route key with [`App::websocket`](crate::App::websocket). Its
//! last argument is a [`WebSocketEvent`]: the connection's id, its callback URL (where
//! the `@connections` API takes messages for it), the message's body, and the whole
//! event as `aws_lambda_events` models it. It returns `Result<WebSocketResponse, E>`
//! (or `Result<(), E>` for a plain 200): on `$connect`, a status other than 2xx refuses
//! the connection; on a route with a route response, the body is sent to the client. A
//! message whose route key has no handler goes to the `$default` handler when there is
//! one, as API Gateway itself routes it.
//!
//! ```
//! use lambdo::{websocket::{WebSocketEvent, WebSocketResponse}, App};
//!
//! #[derive(serde::Deserialize)]
//! struct Say { text: String }
//!
//! async fn on_connect(event: WebSocketEvent) -> Result<WebSocketResponse, lambdo::BoxError> {
//!     if event.header("sec-websocket-protocol").is_some() {
//!         return Ok(WebSocketResponse::status(400));
//!     }
//!     tracing::info!(connection = event.connection_id(), "connected");
//!     Ok(WebSocketResponse::ok())
//! }
//!
//! async fn on_say(event: WebSocketEvent) -> Result<WebSocketResponse, lambdo::BoxError> {
//!     let say: Say = event.json()?;
//!     Ok(WebSocketResponse::reply(format!("you said: {}", say.text)))
//! }
//!
//! let app = App::new(())
//!     .websocket("$connect", on_connect)
//!     .websocket("say", on_say);
//! # let _ = app;
//! ```

use aws_lambda_events::apigw::ApiGatewayWebsocketProxyRequest;
use base64::Engine;
use bytes::Bytes;
use serde::{de::DeserializeOwned, Deserialize, Serialize};
use serde_json::value::RawValue;

use crate::{
    handler::{erase, ErasedHandler},
    source::{json_answer, EventReader, ReadError, Source, SourceFuture, Value},
    BoxError, Context, Error, FromPayload, Handler,
};

/// One WebSocket event: a connection, a message or a disconnection.
#[derive(Debug, Clone)]
pub struct WebSocketEvent {
    event: ApiGatewayWebsocketProxyRequest,
}

impl WebSocketEvent {
    /// The route key the event came by (`$connect`, `$default`, `say`…).
    pub fn route_key(&self) -> &str {
        self.event
            .request_context
            .route_key
            .as_deref()
            .unwrap_or_default()
    }

    /// `CONNECT`, `MESSAGE` or `DISCONNECT`.
    pub fn event_type(&self) -> &str {
        self.event
            .request_context
            .event_type
            .as_deref()
            .unwrap_or_default()
    }

    /// The connection's id.
    pub fn connection_id(&self) -> &str {
        self.event
            .request_context
            .connection_id
            .as_deref()
            .unwrap_or_default()
    }

    /// The URL of the API Gateway Management API for this connection
    /// (`https://{domain}/{stage}/@connections/{id}`): POST a message to it to send it
    /// to the client, DELETE it to close the connection (with SigV4-signed requests).
    ///
    /// ```
    /// # fn url(event: &lambdo::websocket::WebSocketEvent) -> String {
    /// event.callback_url()
    /// # }
    /// ```
    pub fn callback_url(&self) -> String {
        let context = &self.event.request_context;
        format!(
            "https://{}/{}/@connections/{}",
            context.domain_name.as_deref().unwrap_or_default(),
            context.stage.as_deref().unwrap_or_default(),
            self.connection_id()
        )
    }

    /// The message's body (none on connections and disconnections), base64 decoded
    /// when API Gateway encoded it.
    pub fn body(&self) -> Result<Option<Vec<u8>>, Error> {
        let Some(body) = &self.event.body else {
            return Ok(None);
        };
        if !self.event.is_base64_encoded {
            return Ok(Some(body.as_bytes().to_vec()));
        }
        base64::engine::general_purpose::STANDARD
            .decode(body)
            .map(Some)
            .map_err(|error| Error::Decode {
                target: "a WebSocket message".to_owned(),
                path: "body".to_owned(),
                source: serde::de::Error::custom(format!(
                    "isBase64Encoded is true but it is {}",
                    crate::redact::base64_error(&error)
                )),
            })
    }

    /// The message's body decoded from JSON into `T`.
    pub fn json<T: DeserializeOwned>(&self) -> Result<T, Error> {
        let body = self.body()?.unwrap_or_default();
        Error::decode(&body, std::any::type_name::<T>())
    }

    /// A header of the `$connect` request.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.event.headers.get(name)?.to_str().ok()
    }

    /// A query parameter of the `$connect` request.
    pub fn query(&self, name: &str) -> Option<&str> {
        self.event.query_string_parameters.first(name)
    }

    /// The whole event, as `aws_lambda_events` models it.
    pub fn to_aws(&self) -> &ApiGatewayWebsocketProxyRequest {
        &self.event
    }
}

impl<S> FromPayload<S, WebSocketEvent> for WebSocketEvent {
    fn from_payload(event: WebSocketEvent, _context: &Context, _state: &S) -> Result<Self, Error> {
        Ok(event)
    }
}

/// What a WebSocket route answers: a status (on `$connect`, other than 2xx refuses the
/// connection) and, for routes with a route response, a body sent to the client.
///
/// ```
/// use lambdo::websocket::WebSocketResponse;
///
/// assert_eq!(WebSocketResponse::ok().to_json().unwrap(), serde_json::json!({"statusCode": 200}));
/// let reply = WebSocketResponse::reply("pong").to_json().unwrap();
/// assert_eq!(reply, serde_json::json!({"statusCode": 200, "body": "pong"}));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct WebSocketResponse {
    status_code: u16,
    #[serde(skip_serializing_if = "Option::is_none")]
    body: Option<String>,
}

impl WebSocketResponse {
    /// 200, no body.
    pub fn ok() -> Self {
        WebSocketResponse::status(200)
    }

    /// `status`, no body: on `$connect`, anything but 2xx refuses the connection.
    pub fn status(status: u16) -> Self {
        WebSocketResponse {
            status_code: status,
            body: None,
        }
    }

    /// 200 with `body`, which a route response sends to the client.
    pub fn reply(body: impl Into<String>) -> Self {
        WebSocketResponse {
            status_code: 200,
            body: Some(body.into()),
        }
    }

    /// The answer as API Gateway reads it.
    pub fn to_json(&self) -> Result<serde_json::Value, Error> {
        serde_json::to_value(self).map_err(Error::Encode)
    }
}

/// What a WebSocket handler may return: `Result<WebSocketResponse, E>`, or
/// `Result<(), E>` for 200 with no body.
#[diagnostic::on_unimplemented(
    message = "a WebSocket route handler cannot return `{Self}`",
    label = "the handler's return type",
    note = "return `Result<WebSocketResponse, E>`, or `Result<(), E>` for 200 with no body, with `E: Into<BoxError>`"
)]
pub trait IntoWebSocketResponse {
    /// The response, or the error that fails the invocation.
    fn into_websocket_response(self) -> Result<WebSocketResponse, Error>;
}

impl<E: Into<BoxError>> IntoWebSocketResponse for Result<WebSocketResponse, E> {
    fn into_websocket_response(self) -> Result<WebSocketResponse, Error> {
        self.map_err(Error::handler)
    }
}

impl<E: Into<BoxError>> IntoWebSocketResponse for Result<(), E> {
    fn into_websocket_response(self) -> Result<WebSocketResponse, Error> {
        self.map(|()| WebSocketResponse::ok()).map_err(Error::handler)
    }
}

/// A route's handler, answering the route's response as raw JSON.
type RouteFn<S> = ErasedHandler<S, WebSocketEvent, Box<RawValue>>;

/// The WebSocket route handlers of an app, by route key.
pub(crate) struct WebSocket<S> {
    routes: Vec<(String, RouteFn<S>)>,
}

impl<S> Default for WebSocket<S> {
    fn default() -> Self {
        WebSocket { routes: Vec::new() }
    }
}

impl<S: Send + Sync + 'static> WebSocket<S> {
    /// # Panics
    ///
    /// When a handler of `route_key` is already registered.
    pub(crate) fn route<H, Args>(&mut self, route_key: &str, handler: H)
    where
        H: Handler<Args, S, WebSocketEvent>,
        H::Output: IntoWebSocketResponse,
        Args: 'static,
    {
        assert!(
            !self.routes.iter().any(|(key, _)| key == route_key),
            "a WebSocket handler of route `{route_key}` is already registered"
        );
        let handler = erase(handler, |output| {
            serde_json::value::to_raw_value(&output.into_websocket_response()?).map_err(Error::Encode)
        });
        self.routes.push((route_key.to_owned(), handler));
    }

    /// The handler of `route_key`; a message of a route nobody handles goes to
    /// `$default`.
    fn handler(
        &self,
        route_key: &str,
        event_type: &str,
    ) -> Option<&ErasedHandler<S, WebSocketEvent, Box<RawValue>>> {
        let find = |wanted: &str| {
            self.routes
                .iter()
                .find(|(key, _)| key == wanted)
                .map(|(_, handler)| handler)
        };
        find(route_key).or_else(|| (event_type == "MESSAGE").then(|| find("$default")).flatten())
    }
}

impl<S: Send + Sync + 'static> Source<S> for WebSocket<S> {
    fn names(&self) -> &[&'static str] {
        &["websocket"]
    }

    fn keys(&self) -> &'static [&'static str] {
        &["requestContext"]
    }

    fn reader<'e>(&'e self, _event: &'e [u8]) -> Box<dyn EventReader<'e, S> + 'e> {
        Box::new(WebSocketReader {
            routes: self,
            context: None,
            route_key: None,
            handler: None,
        })
    }
}

/// The keys of `requestContext` that tell WebSocket events apart and route them.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ContextProbe {
    #[serde(default)]
    connection_id: Option<String>,
    #[serde(default)]
    route_key: Option<String>,
    #[serde(default)]
    event_type: Option<String>,
}

struct WebSocketReader<'e, S> {
    routes: &'e WebSocket<S>,
    context: Option<&'e RawValue>,
    /// The route key of a WebSocket event.
    route_key: Option<String>,
    handler: Option<&'e RouteFn<S>>,
}

impl<'e, S: Send + Sync + 'static> EventReader<'e, S> for WebSocketReader<'e, S> {
    fn read(&mut self, _key: &str, value: Value<'_, 'e>) -> Result<(), ReadError> {
        self.context = Some(value.raw()?);
        Ok(())
    }

    fn claims(&mut self) -> bool {
        let Some(probe) = self
            .context
            .and_then(|context| serde_json::from_str::<ContextProbe>(context.get()).ok())
        else {
            return false;
        };
        let (Some(_), Some(route_key)) = (probe.connection_id, probe.route_key) else {
            return false;
        };
        self.handler = self
            .routes
            .handler(&route_key, probe.event_type.as_deref().unwrap_or_default());
        self.route_key = Some(route_key);
        self.handler.is_some()
    }

    fn near_miss(&self) -> Option<String> {
        let route_key = self.route_key.as_ref()?;
        Some(format!("a WebSocket event of route `{route_key}`"))
    }

    fn handle(self: Box<Self>, event: &'e Bytes, context: Context, state: &'e S) -> SourceFuture<'e> {
        let handler = self.handler.expect("a claimed event has its handler");
        match Error::decode::<ApiGatewayWebsocketProxyRequest>(event, "a WebSocket event") {
            Ok(event) => json_answer(handler(WebSocketEvent { event }, &context, state)),
            Err(error) => Box::pin(std::future::ready(Err(error))),
        }
    }
}
