//! An app in-process, through the same path events take in Lambda.

use base64::Engine;
use bytes::Bytes;
use http::{HeaderMap, HeaderName, HeaderValue, Request, StatusCode};
use lambdo::{Context, Diagnostic, Function};
use serde::{de::DeserializeOwned, Serialize};
use serde_json::Value;

use crate::{HttpEvent, PayloadVersion};

/// The outcome of one direct invocation: the JSON response, or the error Lambda reports.
pub type InvokeResult = Result<Value, Diagnostic>;

/// The `itemIdentifier`s of a partial batch response (`batchItemFailures`), in order;
/// panics on a response that is not one.
///
/// ```
/// let response = serde_json::json!({"batchItemFailures": [{"itemIdentifier": "m-2"}]});
/// assert_eq!(lambdo_testing::batch_failures(&response), ["m-2"]);
/// ```
pub fn batch_failures(response: &Value) -> Vec<String> {
    response["batchItemFailures"]
        .as_array()
        .unwrap_or_else(|| panic!("not a batch response: {response}"))
        .iter()
        .map(|failure| failure["itemIdentifier"].as_str().unwrap_or_default().to_owned())
        .collect()
}

/// Calls a [`Function`] in-process with real event payloads.
///
/// ```
/// use lambdo::{App, Json};
/// use lambdo_testing::{PayloadVersion, TestClient};
///
/// async fn double(Json(n): Json<i64>) -> Result<i64, lambdo::BoxError> { Ok(n * 2) }
/// async fn hello() -> &'static str { "hello" }
///
/// # tokio::runtime::Runtime::new().unwrap().block_on(async {
/// let app = App::new(())
///     .http(axum::Router::new().route("/hello", axum::routing::get(hello)))
///     .invoke(double);
/// let client = TestClient::new(app.into_function());
///
/// assert_eq!(client.invoke(21).await.unwrap(), 42);
/// let response = client.send(PayloadVersion::HttpV2, http::Request::get("/hello").body("").unwrap()).await;
/// assert_eq!(response.status, 200);
/// assert_eq!(response.text(), "hello");
/// # });
/// ```
#[derive(Debug, Clone)]
pub struct TestClient {
    function: Function,
    stage: Option<String>,
}

impl TestClient {
    /// A client for `function` (from [`lambdo::App::into_function`]).
    pub fn new(function: Function) -> Self {
        TestClient {
            function,
            stage: None,
        }
    }

    /// Sends HTTP requests through a named API Gateway stage (`/prod/...` paths), to
    /// check that routes match whatever the stage.
    ///
    /// ```
    /// # tokio::runtime::Runtime::new().unwrap().block_on(async {
    /// use lambdo_testing::{PayloadVersion, TestClient};
    ///
    /// let router = axum::Router::new().route("/ping", axum::routing::get(|| async { "pong" }));
    /// let client = TestClient::new(lambdo::App::new(()).http(router).into_function()).stage("prod");
    /// let response = client.send(PayloadVersion::RestV1, http::Request::get("/ping").body("").unwrap()).await;
    /// assert_eq!(response.text(), "pong");
    /// # });
    /// ```
    pub fn stage(mut self, stage: impl Into<String>) -> Self {
        self.stage = Some(stage.into());
        self
    }

    /// Invokes the function directly with `event`.
    pub async fn invoke(&self, event: impl Serialize) -> InvokeResult {
        let bytes = serde_json::to_vec(&event).expect("test events serialize");
        self.invoke_raw(bytes).await
    }

    /// Invokes the function with raw event bytes (for malformed-event tests).
    ///
    /// ```
    /// # tokio::runtime::Runtime::new().unwrap().block_on(async {
    /// async fn sum(lambdo::Json(v): lambdo::Json<Vec<u8>>) -> Result<u32, lambdo::BoxError> {
    ///     Ok(v.iter().map(|&n| u32::from(n)).sum())
    /// }
    /// let client = lambdo_testing::TestClient::new(lambdo::App::new(()).invoke(sum).into_function());
    /// let diagnostic = client.invoke_raw("[1, 2").await.unwrap_err();
    /// assert_eq!(diagnostic.error_type, "Lambdo.InvalidEvent");
    /// # });
    /// ```
    pub async fn invoke_raw(&self, event: impl Into<Bytes>) -> InvokeResult {
        self.invoke_in(test_context(), event).await
    }

    /// Invokes the function with `event` under `context` (a near deadline, a given
    /// request id…).
    ///
    /// ```
    /// # tokio::runtime::Runtime::new().unwrap().block_on(async {
    /// async fn id(context: lambdo::Context) -> Result<String, lambdo::BoxError> { Ok(context.request_id) }
    /// let client = lambdo_testing::TestClient::new(lambdo::App::new(()).invoke(id).into_function());
    /// let mut context = lambdo::Context::default();
    /// context.request_id = "r-1".into();
    /// assert_eq!(client.invoke_in(context, "null").await.unwrap(), "r-1");
    /// # });
    /// ```
    pub async fn invoke_in(&self, context: lambdo::Context, event: impl Into<Bytes>) -> InvokeResult {
        let raw = self
            .function
            .call(event.into(), context)
            .await
            .map_err(Diagnostic::from)?;
        Ok(serde_json::from_str(raw.get()).expect("lambdo responses are JSON"))
    }

    /// Sends `request` as the event of `version` and decodes the response that caller
    /// would receive. Panics if the invocation itself fails (an HTTP event never should).
    pub async fn send<B: AsRef<[u8]>>(&self, version: PayloadVersion, request: Request<B>) -> TestResponse {
        let mut builder = HttpEvent::new(version);
        if let Some(stage) = &self.stage {
            builder = builder.stage(stage.clone());
        }
        self.send_event(version, builder.from_request(&request)).await
    }

    /// Sends a ready-made HTTP `event` of `version` (e.g. a fixture, unchanged).
    pub async fn send_event(&self, version: PayloadVersion, event: Value) -> TestResponse {
        match self.invoke(&event).await {
            Ok(raw) => TestResponse::parse(version, raw),
            Err(diagnostic) => panic!(
                "the HTTP invocation failed instead of answering: {}: {}",
                diagnostic.error_type, diagnostic.error_message
            ),
        }
    }
}

fn test_context() -> Context {
    let mut context = Context::default();
    context.request_id = "00000000-0000-4000-8000-000000000001".to_owned();
    context.invoked_function_arn = "arn:aws:lambda:eu-central-1:123456789012:function:test".to_owned();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    context.deadline = (now.as_millis() + 30_000) as u64;
    context
}

/// An HTTP response as the caller of a payload version receives it.
#[derive(Debug, Clone)]
pub struct TestResponse {
    /// The status code.
    pub status: StatusCode,
    /// Every header, whichever of `headers`/`multiValueHeaders` carried it.
    pub headers: HeaderMap,
    /// `Set-Cookie` values (HTTP API `cookies`, or the header elsewhere).
    pub cookies: Vec<String>,
    /// The body, base64-decoded where the response was encoded.
    pub body: Bytes,
    /// Whether the body arrived base64-encoded.
    pub is_base64_encoded: bool,
    /// The response JSON exactly as lambdo wrote it.
    pub raw: Value,
}

impl TestResponse {
    fn parse(version: PayloadVersion, raw: Value) -> TestResponse {
        let status = raw["statusCode"]
            .as_u64()
            .and_then(|code| StatusCode::from_u16(code as u16).ok())
            .unwrap_or_else(|| panic!("no statusCode in {raw}"));
        let mut headers = HeaderMap::new();
        if let Some(single) = raw["headers"].as_object() {
            for (name, value) in single {
                append(&mut headers, name, value.as_str().unwrap_or_default());
            }
        }
        if let Some(multi) = raw["multiValueHeaders"].as_object() {
            for (name, values) in multi {
                for value in values.as_array().into_iter().flatten() {
                    append(&mut headers, name, value.as_str().unwrap_or_default());
                }
            }
        }
        let cookies = match version {
            PayloadVersion::HttpV2 | PayloadVersion::FunctionUrl => raw["cookies"]
                .as_array()
                .map(|c| c.iter().filter_map(|v| v.as_str().map(str::to_owned)).collect())
                .unwrap_or_default(),
            _ => headers
                .get_all(http::header::SET_COOKIE)
                .iter()
                .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
                .collect(),
        };
        let is_base64_encoded = raw["isBase64Encoded"].as_bool().unwrap_or(false);
        let text = raw["body"].as_str().unwrap_or_default();
        let body = if is_base64_encoded {
            base64::engine::general_purpose::STANDARD
                .decode(text)
                .expect("isBase64Encoded bodies are base64")
                .into()
        } else {
            Bytes::copy_from_slice(text.as_bytes())
        };
        TestResponse {
            status,
            headers,
            cookies,
            body,
            is_base64_encoded,
            raw,
        }
    }

    /// The body as UTF-8 text.
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// The body decoded from JSON; panics with the body's text if it is not `T`.
    ///
    /// ```
    /// # tokio::runtime::Runtime::new().unwrap().block_on(async {
    /// use lambdo_testing::{PayloadVersion, TestClient};
    ///
    /// let router = axum::Router::new().route("/n", axum::routing::get(|| async { lambdo::Json(7) }));
    /// let client = TestClient::new(lambdo::App::new(()).http(router).into_function());
    /// let response = client.send(PayloadVersion::Alb, http::Request::get("/n").body("").unwrap()).await;
    /// assert_eq!(response.json::<u32>(), 7);
    /// assert_eq!(response.header("content-type"), Some("application/json"));
    /// # });
    /// ```
    pub fn json<T: DeserializeOwned>(&self) -> T {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|err| panic!("the body is not the expected JSON ({err}): {}", self.text()))
    }

    /// A header's (first) value as text.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

fn append(headers: &mut HeaderMap, name: &str, value: &str) {
    if let (Ok(name), Ok(value)) = (HeaderName::try_from(name), HeaderValue::try_from(value)) {
        headers.append(name, value);
    }
}
