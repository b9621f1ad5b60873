//! Any `http::Request` as the event each HTTP caller of Lambda would send.

use base64::Engine;
use http::{header, HeaderMap, Request};
use serde_json::{json, Map, Value};

use crate::fixtures;

/// The HTTP event payloads Lambda functions receive.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum PayloadVersion {
    /// API Gateway REST API, payload format 1.0.
    RestV1,
    /// API Gateway HTTP API, payload format 2.0.
    HttpV2,
    /// Application Load Balancer, single-value headers.
    Alb,
    /// Application Load Balancer with multi-value headers enabled.
    AlbMultiValue,
    /// Lambda Function URL (payload format 2.0).
    FunctionUrl,
}

impl PayloadVersion {
    /// Every payload version, for tests that must pass on all of them.
    pub const ALL: [PayloadVersion; 5] = [
        PayloadVersion::RestV1,
        PayloadVersion::HttpV2,
        PayloadVersion::Alb,
        PayloadVersion::AlbMultiValue,
        PayloadVersion::FunctionUrl,
    ];

    fn fixture(self) -> &'static str {
        match self {
            PayloadVersion::RestV1 => fixtures::APIGW_REST_V1,
            PayloadVersion::HttpV2 => fixtures::APIGW_HTTP_V2,
            PayloadVersion::Alb => fixtures::ALB,
            PayloadVersion::AlbMultiValue => fixtures::ALB_MULTI_VALUE,
            PayloadVersion::FunctionUrl => fixtures::FUNCTION_URL,
        }
    }
}

/// Builds the event a caller would send for a request, starting from the real sample
/// of that payload version (so request contexts, authorizers and headers are realistic).
///
/// ```
/// use lambdo_testing::{HttpEvent, PayloadVersion};
///
/// let request = http::Request::post("/todos?tag=a%20b")
///     .header("content-type", "application/json")
///     .body(r#"{"title":"x"}"#)
///     .unwrap();
/// let event = HttpEvent::new(PayloadVersion::RestV1).stage("prod").from_request(&request);
/// assert_eq!(event["path"], "/todos");
/// assert_eq!(event["requestContext"]["path"], "/prod/todos");
/// assert_eq!(event["queryStringParameters"]["tag"], "a b");
/// ```
#[derive(Debug, Clone)]
pub struct HttpEvent {
    version: PayloadVersion,
    stage: Option<String>,
}

impl HttpEvent {
    /// Events of `version`, on the fixture's stage (`prod` for REST, `$default` else).
    pub fn new(version: PayloadVersion) -> Self {
        HttpEvent { version, stage: None }
    }

    /// Sends requests through a named API Gateway stage (`/prod/...` paths).
    pub fn stage(mut self, stage: impl Into<String>) -> Self {
        self.stage = Some(stage.into());
        self
    }

    /// The event for `request`.
    pub fn from_request<B: AsRef<[u8]>>(&self, request: &Request<B>) -> Value {
        let mut event: Value = serde_json::from_str(self.version.fixture()).expect("fixtures are valid JSON");
        let parts = RequestParts::new(request);
        match self.version {
            PayloadVersion::RestV1 => self.rest_v1(&mut event, &parts),
            PayloadVersion::HttpV2 | PayloadVersion::FunctionUrl => self.http_v2(&mut event, &parts),
            PayloadVersion::Alb => alb(&mut event, &parts, false),
            PayloadVersion::AlbMultiValue => alb(&mut event, &parts, true),
        }
        event
    }

    fn rest_v1(&self, event: &mut Value, parts: &RequestParts) {
        let stage = self.stage.clone().unwrap_or_else(|| "prod".to_owned());
        let path = parts.path.clone();
        event["httpMethod"] = json!(parts.method);
        event["path"] = json!(path);
        event["resource"] = json!("/{proxy+}");
        event["pathParameters"] = json!({ "proxy": path.trim_start_matches('/') });
        let headers = merged_headers(&event["multiValueHeaders"], &parts.headers, false);
        event["headers"] = single_values(&headers);
        event["multiValueHeaders"] = Value::Object(headers);
        let (single, multi) = query_maps(&parts.decoded_query);
        event["queryStringParameters"] = single;
        event["multiValueQueryStringParameters"] = multi;
        let context = &mut event["requestContext"];
        context["httpMethod"] = json!(parts.method);
        context["path"] = json!(format!("/{stage}{path}"));
        context["resourcePath"] = json!("/{proxy+}");
        context["stage"] = json!(stage);
        set_body(event, parts, Value::Null);
    }

    fn http_v2(&self, event: &mut Value, parts: &RequestParts) {
        let stage = self.stage.clone().unwrap_or_else(|| "$default".to_owned());
        let raw_path = if stage == "$default" {
            parts.path.clone()
        } else {
            format!("/{stage}{}", parts.path)
        };
        event["rawPath"] = json!(raw_path);
        event["rawQueryString"] = json!(parts.raw_query);
        event["routeKey"] = json!("$default");
        if let Some(object) = event.as_object_mut() {
            object.remove("pathParameters");
            object.remove("cookies");
        }
        let mut cookies = Vec::new();
        for value in parts.headers.get_all(header::COOKIE) {
            let text = String::from_utf8_lossy(value.as_bytes());
            cookies.extend(
                text.split(';')
                    .map(|c| c.trim().to_owned())
                    .filter(|c| !c.is_empty()),
            );
        }
        if !cookies.is_empty() {
            event["cookies"] = json!(cookies);
        }
        let mut headers = parts.headers.clone();
        headers.remove(header::COOKIE);
        let merged = merged_headers(&to_multi(&event["headers"]), &headers, true);
        event["headers"] = joined_values(&merged);
        if parts.decoded_query.is_empty() {
            if let Some(object) = event.as_object_mut() {
                object.remove("queryStringParameters");
            }
        } else {
            let mut joined: Map<String, Value> = Map::new();
            for (key, value) in &parts.decoded_query {
                let entry = joined.entry(key.clone()).or_insert_with(|| json!(""));
                let current = entry.as_str().unwrap_or_default();
                *entry = json!(if current.is_empty() {
                    value.clone()
                } else {
                    format!("{current},{value}")
                });
            }
            event["queryStringParameters"] = Value::Object(joined);
        }
        let context = &mut event["requestContext"];
        context["http"]["method"] = json!(parts.method);
        context["http"]["path"] = json!(raw_path);
        context["routeKey"] = json!("$default");
        context["stage"] = json!(stage);
        set_body(event, parts, Value::Null);
    }
}

fn alb(event: &mut Value, parts: &RequestParts, multi_value: bool) {
    event["httpMethod"] = json!(parts.method);
    event["path"] = json!(parts.path);
    // ALB passes query strings on as they were sent: still percent-encoded.
    let (single, multi) = query_maps(&parts.encoded_query);
    let source = if multi_value {
        "multiValueHeaders"
    } else {
        "headers"
    };
    let base = if multi_value {
        event[source].clone()
    } else {
        to_multi(&event[source])
    };
    let headers = merged_headers(&base, &parts.headers, true);
    if multi_value {
        event["multiValueHeaders"] = Value::Object(headers);
        event["multiValueQueryStringParameters"] = if multi.is_null() { json!({}) } else { multi };
    } else {
        event["headers"] = single_values(&headers);
        event["queryStringParameters"] = if single.is_null() { json!({}) } else { single };
    }
    set_body(event, parts, json!(""));
}

struct RequestParts {
    method: String,
    path: String,
    raw_query: String,
    decoded_query: Vec<(String, String)>,
    encoded_query: Vec<(String, String)>,
    headers: HeaderMap,
    body: Vec<u8>,
}

impl RequestParts {
    fn new<B: AsRef<[u8]>>(request: &Request<B>) -> Self {
        let raw_query = request.uri().query().unwrap_or_default().to_owned();
        let decoded_query = form_urlencoded::parse(raw_query.as_bytes())
            .into_owned()
            .collect();
        let encoded_query = raw_query
            .split('&')
            .filter(|pair| !pair.is_empty())
            .map(|pair| match pair.split_once('=') {
                Some((k, v)) => (k.to_owned(), v.to_owned()),
                None => (pair.to_owned(), String::new()),
            })
            .collect();
        RequestParts {
            method: request.method().as_str().to_owned(),
            path: request.uri().path().to_owned(),
            raw_query,
            decoded_query,
            encoded_query,
            headers: request.headers().clone(),
            body: request.body().as_ref().to_vec(),
        }
    }
}

/// The fixture's headers with the request's on top (the request wins, case-insensitively).
fn merged_headers(fixture: &Value, request: &HeaderMap, lowercase: bool) -> Map<String, Value> {
    let mut merged = Map::new();
    if let Some(object) = fixture.as_object() {
        for (name, values) in object {
            if !request.contains_key(name.to_ascii_lowercase().as_str()) {
                let name = if lowercase {
                    name.to_ascii_lowercase()
                } else {
                    name.clone()
                };
                merged.insert(name, values.clone());
            }
        }
    }
    for name in request.keys() {
        let values: Vec<Value> = request
            .get_all(name)
            .iter()
            .map(|v| json!(String::from_utf8_lossy(v.as_bytes())))
            .collect();
        merged.insert(name.as_str().to_owned(), Value::Array(values));
    }
    merged
}

fn to_multi(single: &Value) -> Value {
    let object = single.as_object().cloned().unwrap_or_default();
    Value::Object(object.into_iter().map(|(k, v)| (k, json!([v]))).collect())
}

fn single_values(multi: &Map<String, Value>) -> Value {
    let pick_last = |values: &Value| {
        values
            .as_array()
            .and_then(|a| a.last())
            .cloned()
            .unwrap_or(Value::Null)
    };
    Value::Object(multi.iter().map(|(k, v)| (k.clone(), pick_last(v))).collect())
}

fn joined_values(multi: &Map<String, Value>) -> Value {
    let join = |values: &Value| {
        let texts: Vec<&str> = values
            .as_array()
            .map(|a| a.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        json!(texts.join(","))
    };
    Value::Object(multi.iter().map(|(k, v)| (k.clone(), join(v))).collect())
}

/// `(queryStringParameters, multiValueQueryStringParameters)`; `null` when empty, as
/// API Gateway sends them.
fn query_maps(pairs: &[(String, String)]) -> (Value, Value) {
    if pairs.is_empty() {
        return (Value::Null, Value::Null);
    }
    let mut single = Map::new();
    let mut multi: Map<String, Value> = Map::new();
    for (key, value) in pairs {
        single.insert(key.clone(), json!(value));
        let entry = multi.entry(key.clone()).or_insert_with(|| json!([]));
        if let Some(values) = entry.as_array_mut() {
            values.push(json!(value));
        }
    }
    (Value::Object(single), Value::Object(multi))
}

/// Text bodies as they are, anything else base64-encoded, as API Gateway and ALB do.
fn set_body(event: &mut Value, parts: &RequestParts, empty: Value) {
    let textual = parts
        .headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(|ct| {
            let ct = ct.to_ascii_lowercase();
            ct.starts_with("text/")
                || ct.contains("json")
                || ct.contains("xml")
                || ct.contains("form-urlencoded")
        })
        .unwrap_or(true);
    let (body, is_base64) = if parts.body.is_empty() {
        (empty, false)
    } else {
        match std::str::from_utf8(&parts.body) {
            Ok(text) if textual => (json!(text), false),
            _ => (
                json!(base64::engine::general_purpose::STANDARD.encode(&parts.body)),
                true,
            ),
        }
    };
    event["body"] = body;
    event["isBase64Encoded"] = json!(is_base64);
}
