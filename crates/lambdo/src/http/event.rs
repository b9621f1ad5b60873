//! HTTP events (API Gateway REST v1, HTTP API v2, ALB, Function URLs) into `http::Request`.
//!
//! `lambda_http` finds the payload version by trying each shape in turn and parses every
//! header through a buffering untagged enum. lambdo reads the event once: the same pass
//! that tells the sources apart ([`crate::source`]) collects the HTTP fields
//! here, borrowing strings from the event bytes and building the `HeaderMap` directly.
//! The request context stays raw JSON until a handler asks for it.

use std::borrow::Cow;

use axum::body::Body;
use base64::Engine;
use bytes::Bytes;
use http::{HeaderMap, HeaderName, HeaderValue, Method, Request, Uri};
use serde::{de::IgnoredAny, Deserialize};
use serde_json::value::RawValue;

use super::{
    extract::{LambdaRequest, RawRequestContext},
    Problem,
};
use crate::{
    source::{range_in, ReadError, StringMap, Value},
    text::{Field, Text},
    Context,
};

/// Which HTTP payload an event is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum HttpPayload {
    /// API Gateway REST API (payload format 1.0).
    RestV1,
    /// API Gateway HTTP API (payload format 2.0) and Lambda Function URLs.
    HttpV2,
    /// Application Load Balancer target group.
    Alb,
}

/// How the response must be written so the caller accepts it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ResponseFormat {
    /// `multiValueHeaders` (REST APIs and payload format 1.0).
    RestV1,
    /// `headers` with `cookies` split out (HTTP APIs 2.0, Function URLs).
    HttpV2,
    /// ALB, in the header style the target group uses.
    Alb {
        /// The target group has multi-value headers enabled.
        multi_value: bool,
    },
}

/// The top-level keys of HTTP events (and of authorizer requests, which are not).
pub(crate) const HTTP_KEYS: &[&str] = &[
    "version",
    "httpMethod",
    "path",
    "rawPath",
    "rawQueryString",
    "cookies",
    "headers",
    "multiValueHeaders",
    "queryStringParameters",
    "multiValueQueryStringParameters",
    "requestContext",
    "body",
    "isBase64Encoded",
    "methodArn",
    "routeArn",
];

/// The top-level fields of an HTTP event, collected while the event's keys are read.
#[derive(Debug, Default)]
pub(crate) struct HttpFields<'a> {
    version: Option<Text<'a>>,
    http_method: Option<Text<'a>>,
    path: Option<Text<'a>>,
    raw_path: Option<Text<'a>>,
    raw_query_string: Option<Text<'a>>,
    cookies: Vec<Text<'a>>,
    // Headers and query parameters come twice in some payloads (single- and
    // multi-value); both forms are read here, borrowed, and `into_request` uses one.
    headers: Option<NameValues<'a>>,
    multi_value_headers: Option<NameValues<'a>>,
    query: Option<NameValues<'a>>,
    multi_value_query: Option<NameValues<'a>>,
    request_context: Option<&'a RawValue>,
    body: Option<Text<'a>>,
    is_base64_encoded: bool,
    /// The first field whose value is of another type than an HTTP event's.
    malformed: Option<&'static str>,
    /// The event is an authorizer's request (`methodArn` or `routeArn`).
    authorizer: bool,
}

impl<'a> HttpFields<'a> {
    /// Reads the value of `key`, one of [`HTTP_KEYS`].
    pub(crate) fn read(&mut self, key: &str, value: Value<'_, 'a>) -> Result<(), ReadError> {
        // Any event may have these keys, with values of any type: a value of another
        // type than an HTTP event's makes the event some other event (`malformed`).
        let malformed = &mut self.malformed;
        match key {
            "version" => value.text_field()?.store(&mut self.version, "version", malformed),
            "httpMethod" => value
                .text_field()?
                .store(&mut self.http_method, "httpMethod", malformed),
            "path" => value.text_field()?.store(&mut self.path, "path", malformed),
            "rawPath" => value
                .text_field()?
                .store(&mut self.raw_path, "rawPath", malformed),
            "rawQueryString" => {
                value
                    .text_field()?
                    .store(&mut self.raw_query_string, "rawQueryString", malformed)
            }
            "cookies" => {
                let mut cookies = Vec::new();
                let mut wrong = false;
                let list = value.array(|cookie| {
                    match cookie.text_field()? {
                        Field::Value(cookie) => cookies.push(cookie),
                        Field::Absent | Field::WrongType => wrong = true,
                    }
                    Ok(())
                })?;
                if wrong || list == Field::WrongType {
                    malformed.get_or_insert("cookies");
                }
                self.cookies = cookies;
            }
            "headers" => self.headers = name_values::<false>(value)?,
            "multiValueHeaders" => self.multi_value_headers = name_values::<true>(value)?,
            "queryStringParameters" => self.query = name_values::<false>(value)?,
            "multiValueQueryStringParameters" => self.multi_value_query = name_values::<true>(value)?,
            "requestContext" => self.request_context = Some(value.raw()?),
            "body" => value.text_field()?.store(&mut self.body, "body", malformed),
            "isBase64Encoded" => {
                let mut encoded = None;
                value.boolean()?.store(&mut encoded, "isBase64Encoded", malformed);
                self.is_base64_encoded = encoded.unwrap_or(false);
            }
            // What API Gateway sends a Lambda authorizer: the request to authorize, not
            // a request to answer. A `null` one is no ARN: `cargo lambda watch`'s Function
            // URL events (`aws_lambda_events`' request, serialized) carry
            // `"methodArn": null`.
            "methodArn" | "routeArn" => self.authorizer |= value.text_field()?.value().is_some(),
            _ => {}
        }
        Ok(())
    }

    /// The HTTP event these fields make up, or why they make none.
    pub(crate) fn into_event(self) -> Result<HttpEvent<'a>, NotHttp> {
        let context_json = self.request_context.ok_or(NotHttp::Other)?;
        if self.authorizer {
            return Err(NotHttp::Other);
        }
        let context: ContextProbe<'a> =
            serde_json::from_str(context_json.get()).map_err(|_| NotHttp::Other)?;
        if context.connection_id.is_some() {
            // A WebSocket API's message or connection event.
            return Err(NotHttp::Other);
        }
        // An event shaped like an HTTP event whose fields are not an HTTP event's.
        let malformed = self
            .malformed
            .map(|field| format!("`{field}` is not of the type an HTTP event has"))
            .or_else(|| {
                malformed_entry(
                    &self.headers,
                    &self.multi_value_headers,
                    ["headers", "multiValueHeaders"],
                )
            })
            .or_else(|| {
                malformed_entry(
                    &self.query,
                    &self.multi_value_query,
                    ["queryStringParameters", "multiValueQueryStringParameters"],
                )
            });
        if let Some(why) = malformed {
            return Err(NotHttp::Malformed(why));
        }
        let method = |method: &Option<Text<'a>>| method.clone().ok_or(NotHttp::Other);
        let (payload, method) = if context.elb.is_some() {
            (HttpPayload::Alb, method(&self.http_method)?)
        } else if self.version.as_ref().map(Text::as_str) == Some("2.0") && self.raw_path.is_some() {
            let http = context.http.ok_or(NotHttp::Other)?;
            (HttpPayload::HttpV2, http.method)
        } else {
            (HttpPayload::RestV1, method(&self.http_method)?)
        };
        let function_url = payload == HttpPayload::HttpV2
            && context
                .domain_name
                .as_ref()
                .is_some_and(|domain| domain.as_str().contains(".lambda-url."));
        Ok(HttpEvent {
            payload,
            function_url,
            method,
            request_id: context.request_id,
            stage: context.stage,
            context_json,
            fields: self,
        })
    }
}

/// Why an event's fields are not an HTTP request for the router.
#[derive(Debug)]
pub(crate) enum NotHttp {
    /// Some other event.
    Other,
    /// Shaped like an HTTP event, but a field is not of an HTTP event's type: what is
    /// wrong, for the error that says no source took the event.
    Malformed(String),
}

/// The keys of `requestContext` that tell payloads apart and route v2 requests.
#[derive(Deserialize)]
struct ContextProbe<'a> {
    #[serde(default)]
    elb: Option<IgnoredAny>,
    #[serde(default, borrow)]
    http: Option<HttpProbe<'a>>,
    #[serde(default, borrow)]
    stage: Option<Text<'a>>,
    #[serde(default, borrow, rename = "requestId")]
    request_id: Option<Text<'a>>,
    /// A Function URL's is `<url-id>.lambda-url.<region>.on.aws`.
    #[serde(default, borrow, rename = "domainName")]
    domain_name: Option<Text<'a>>,
    /// Only WebSocket APIs' events have one.
    #[serde(default, rename = "connectionId")]
    connection_id: Option<IgnoredAny>,
}

#[derive(Deserialize)]
struct HttpProbe<'a> {
    #[serde(borrow)]
    method: Text<'a>,
}

/// A detected HTTP event, still borrowing from the event bytes.
#[derive(Debug)]
pub(crate) struct HttpEvent<'a> {
    payload: HttpPayload,
    /// From a Function URL (not an HTTP API, whose events are of the same shape).
    function_url: bool,
    method: Text<'a>,
    request_id: Option<Text<'a>>,
    stage: Option<Text<'a>>,
    context_json: &'a RawValue,
    fields: HttpFields<'a>,
}

impl HttpEvent<'_> {
    /// Whether the event came from a Function URL.
    pub(crate) fn is_function_url(&self) -> bool {
        self.function_url
    }

    /// API Gateway's request id, which ties the function's logs to the access logs.
    pub(crate) fn request_id(&self) -> Option<&str> {
        self.request_id.as_ref().map(Text::as_str)
    }

    /// The request for the router, carrying `context`, and how to write its response;
    /// `event` is the buffer the fields borrow from. A request that cannot be one (an
    /// over-long URI, a body that is not the base64 it claims to be) is the client's
    /// error: the problem response to answer it with, in the same format.
    pub(crate) fn into_request(
        self,
        event: &Bytes,
        context: Context,
    ) -> Result<(Request<Body>, ResponseFormat), (Problem, ResponseFormat)> {
        let format = match self.payload {
            HttpPayload::RestV1 => ResponseFormat::RestV1,
            HttpPayload::HttpV2 => ResponseFormat::HttpV2,
            HttpPayload::Alb => ResponseFormat::Alb {
                multi_value: self.fields.multi_value_headers.is_some(),
            },
        };
        match self.request(event, context) {
            Ok(request) => Ok((request, format)),
            Err(problem) => Err((problem, format)),
        }
    }

    fn request(self, event: &Bytes, context: Context) -> Result<Request<Body>, Problem> {
        let method = Method::from_bytes(self.method.as_str().as_bytes())
            .map_err(|_| Problem::bad_request("the request's method is not an HTTP method"))?;
        let fields = self.fields;
        let (path, query, mut headers) = match self.payload {
            HttpPayload::RestV1 => {
                let query = encoded_query(query_pairs(&fields));
                let headers = header_map(&fields, event);
                (path_or_root(fields.path), query, headers)
            }
            HttpPayload::Alb => {
                // ALB passes the query string on as the client sent it: still encoded.
                let query = joined_query(query_pairs(&fields));
                let headers = header_map(&fields, event);
                (path_or_root(fields.path), query, headers)
            }
            HttpPayload::HttpV2 => {
                let mut headers = header_map(&fields, event);
                let raw_path = path_or_root(fields.raw_path);
                let path = match self.stage.as_ref().map(Text::as_str) {
                    Some(stage) if !stage.is_empty() && stage != "$default" => strip_stage(raw_path, stage),
                    _ => raw_path,
                };
                let query = fields.raw_query_string.map(|q| q.0).unwrap_or_default();
                if !fields.cookies.is_empty() {
                    let joined = fields
                        .cookies
                        .iter()
                        .map(Text::as_str)
                        .collect::<Vec<_>>()
                        .join("; ");
                    if let Ok(value) = HeaderValue::from_str(&joined) {
                        headers.insert(http::header::COOKIE, value);
                    }
                }
                (path, query, headers)
            }
        };
        let uri = request_uri(&path, &query)?;
        let body = match fields.body {
            None => Body::empty(),
            Some(text) if fields.is_base64_encoded => {
                let bytes = base64::engine::general_purpose::STANDARD
                    .decode(text.as_str())
                    .map_err(|err| {
                        Problem::bad_request(format!(
                            "the body is marked base64 (isBase64Encoded) but is {}",
                            crate::redact::base64_error(&err)
                        ))
                    })?;
                Body::from(bytes)
            }
            Some(Text(Cow::Borrowed(text))) => Body::from(Bytes::copy_from_slice(text.as_bytes())),
            Some(Text(Cow::Owned(text))) => Body::from(text),
        };
        let mut request = Request::new(body);
        *request.method_mut() = method;
        *request.uri_mut() = uri;
        std::mem::swap(request.headers_mut(), &mut headers);
        request.extensions_mut().insert(LambdaRequest {
            context,
            request_context: Some(RawRequestContext {
                payload: self.payload,
                json: slice_of(event, self.context_json.get()),
            }),
        });
        Ok(request)
    }
}

/// The multi-value form of a name → values object where the event has it, else the
/// single-value one. Either may be malformed only in events that are not HTTP events
/// (see [`HttpFields::into_event`]).
fn chosen<'f, 'a>(
    single: &'f Option<NameValues<'a>>,
    multi: &'f Option<NameValues<'a>>,
) -> &'f [(Text<'a>, Text<'a>)] {
    match multi.as_ref().or(single.as_ref()) {
        Some(NameValues::Pairs(pairs)) => pairs,
        Some(NameValues::Malformed(_)) | None => &[],
    }
}

/// What is wrong with a name → values object of an event (`names`: the single form's
/// key, then the multi-value form's), if anything.
fn malformed_entry(
    single: &Option<NameValues<'_>>,
    multi: &Option<NameValues<'_>>,
    [single_name, multi_name]: [&str; 2],
) -> Option<String> {
    [
        (multi, multi_name, "a list of strings"),
        (single, single_name, "a string"),
    ]
    .into_iter()
    .find_map(|(values, field, expected)| match values {
        Some(NameValues::Malformed(Some(name))) => Some(format!("`{field}.{name}` is not {expected}")),
        Some(NameValues::Malformed(None)) => Some(format!(
            "`{field}` is not an object whose values are each {expected}"
        )),
        Some(NameValues::Pairs(_)) | None => None,
    })
}

/// The request's headers (multi-value where the event has them).
fn header_map(fields: &HttpFields<'_>, event: &Bytes) -> HeaderMap {
    let pairs = chosen(&fields.headers, &fields.multi_value_headers);
    let mut headers = HeaderMap::with_capacity(pairs.len());
    let mut last: Option<(&str, HeaderName)> = None;
    for (name, value) in pairs {
        // Multi-value headers repeat the name for each value: look it up once.
        let name = match &last {
            Some((text, known)) if *text == name.as_str() => known.clone(),
            _ => match header_name(name.as_str()) {
                Some(known) => {
                    last = Some((name.as_str(), known.clone()));
                    known
                }
                // Unusable names are dropped, as a proxy would.
                None => continue,
            },
        };
        let value = match &value.0 {
            Cow::Borrowed(text) => HeaderValue::from_maybe_shared(slice_of(event, text)),
            Cow::Owned(text) => HeaderValue::from_str(text),
        };
        if let Ok(value) = value {
            headers.append(name, value);
        }
    }
    headers
}

/// The query parameters (multi-value where the event has them).
fn query_pairs<'f, 'a>(fields: &'f HttpFields<'a>) -> &'f [(Text<'a>, Text<'a>)] {
    chosen(&fields.query, &fields.multi_value_query)
}

/// A zero-copy `Bytes` for `part`, which must point into `event`.
fn slice_of(event: &Bytes, part: &str) -> Bytes {
    match range_in(event, part) {
        Some(range) => event.slice(range),
        None => Bytes::copy_from_slice(part.as_bytes()),
    }
}

fn path_or_root(path: Option<Text<'_>>) -> Cow<'_, str> {
    match path {
        Some(Text(path)) if !path.is_empty() => path,
        _ => Cow::Borrowed("/"),
    }
}

/// Routes are written without the stage: `/prod/todos/1` on stage `prod` is `/todos/1`.
fn strip_stage<'a>(path: Cow<'a, str>, stage: &str) -> Cow<'a, str> {
    let rest = match path.strip_prefix('/').and_then(|p| p.strip_prefix(stage)) {
        Some("") => "/",
        Some(rest) if rest.starts_with('/') => rest,
        _ => return path,
    };
    Cow::Owned(rest.to_owned())
}

/// The longest request target the `http` crate's `Uri` holds.
const URI_LIMIT: usize = u16::MAX as usize - 1;

/// `path?query` as a URI, percent-encoding what a URI path may not hold.
fn request_uri(path: &str, query: &str) -> Result<Uri, Problem> {
    let mut target = String::with_capacity(path.len() + query.len() + 1);
    for byte in path.bytes() {
        if byte.is_ascii_graphic() && !matches!(byte, b'"' | b'<' | b'>' | b'`' | b'{' | b'}' | b'?' | b'#') {
            target.push(byte as char);
        } else {
            target.push_str(&format!("%{byte:02X}"));
        }
    }
    if !query.is_empty() {
        target.push('?');
        target.push_str(query);
    }
    if target.len() > URI_LIMIT {
        return Err(Problem::new(http::StatusCode::URI_TOO_LONG).with_detail(format!(
            "the request's path and query are {} bytes, over the {URI_LIMIT} this function takes",
            target.len()
        )));
    }
    Uri::try_from(target)
        .map_err(|err| Problem::bad_request(format!("the request's path or query is not a valid URI: {err}")))
}

/// Decoded parameters (API Gateway REST) re-encoded as a query string.
fn encoded_query(pairs: &[(Text<'_>, Text<'_>)]) -> Cow<'static, str> {
    if pairs.is_empty() {
        return Cow::Borrowed("");
    }
    let mut serializer = form_urlencoded::Serializer::new(String::new());
    for (key, value) in pairs {
        serializer.append_pair(key.as_str(), value.as_str());
    }
    Cow::Owned(serializer.finish())
}

/// Still-encoded parameters (ALB) joined as they are.
fn joined_query(pairs: &[(Text<'_>, Text<'_>)]) -> Cow<'static, str> {
    let mut query = String::new();
    for (key, value) in pairs {
        if !query.is_empty() {
            query.push('&');
        }
        query.push_str(key.as_str());
        query.push('=');
        query.push_str(value.as_str());
    }
    Cow::Owned(query)
}

/// A name → value(s) object of an HTTP event (`headers`, `queryStringParameters` and
/// their multi-value forms) as the shape pass reads it.
#[derive(Debug)]
enum NameValues<'a> {
    /// `(name, value)` in event order, borrowed unless escaped; a multi-value entry
    /// gives one pair per value.
    Pairs(Vec<(Text<'a>, Text<'a>)>),
    /// Not an object of strings (with `MULTI`: of lists of strings): the name of the
    /// first entry that is not, or `None` when the value is no object at all. Any event
    /// may have a `headers` key, so this is only an error once the event is known to be
    /// an HTTP event.
    Malformed(Option<String>),
}

/// Reads `{"name": "value"}` or, with `MULTI`, `{"name": ["value", …]}` without ever
/// failing the pass; `null` is none.
fn name_values<'e, const MULTI: bool>(value: Value<'_, 'e>) -> Result<Option<NameValues<'e>>, ReadError> {
    Ok(match value.string_map(MULTI)? {
        Field::Absent => None,
        Field::WrongType => Some(NameValues::Malformed(None)),
        Field::Value(StringMap { pairs, wrong: None }) => Some(NameValues::Pairs(pairs)),
        Field::Value(StringMap {
            wrong: Some(name), ..
        }) => Some(NameValues::Malformed(Some(name))),
    })
}

/// The headers API Gateway, ALB and CloudFront add to nearly every request. `http`
/// knows the standard names without allocating; these would each be a new allocation
/// per request, so they are kept here once.
static PROXY_HEADERS: [HeaderName; 15] = [
    HeaderName::from_static("x-forwarded-for"),
    HeaderName::from_static("x-forwarded-port"),
    HeaderName::from_static("x-forwarded-proto"),
    HeaderName::from_static("x-amzn-trace-id"),
    HeaderName::from_static("x-amz-cf-id"),
    HeaderName::from_static("x-amz-date"),
    HeaderName::from_static("x-amz-security-token"),
    HeaderName::from_static("x-amz-content-sha256"),
    HeaderName::from_static("x-api-key"),
    HeaderName::from_static("cloudfront-forwarded-proto"),
    HeaderName::from_static("cloudfront-is-desktop-viewer"),
    HeaderName::from_static("cloudfront-is-mobile-viewer"),
    HeaderName::from_static("cloudfront-is-smarttv-viewer"),
    HeaderName::from_static("cloudfront-is-tablet-viewer"),
    HeaderName::from_static("cloudfront-viewer-country"),
];

/// A header's name, or `None` if it is not a valid one.
fn header_name(name: &str) -> Option<HeaderName> {
    let first = name.as_bytes().first()?.to_ascii_lowercase();
    if first == b'x' || first == b'c' {
        if let Some(known) = PROXY_HEADERS
            .iter()
            .find(|known| known.as_str().eq_ignore_ascii_case(name))
        {
            return Some(known.clone());
        }
    }
    HeaderName::from_bytes(name.as_bytes()).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Error;

    #[test]
    fn strips_only_a_whole_leading_stage_segment() {
        assert_eq!(strip_stage("/prod/todos/1".into(), "prod"), "/todos/1");
        assert_eq!(strip_stage("/prod".into(), "prod"), "/");
        assert_eq!(strip_stage("/production/x".into(), "prod"), "/production/x");
        assert_eq!(strip_stage("/todos".into(), "prod"), "/todos");
    }

    #[test]
    fn request_targets_are_encoded_where_needed() {
        assert_eq!(
            request_uri("/a b/ü", "x=1").unwrap().to_string(),
            "/a%20b/%C3%BC?x=1"
        );
        assert_eq!(request_uri("/todos/1", "").unwrap().to_string(), "/todos/1");
    }

    #[test]
    fn rest_query_parameters_are_re_encoded() {
        let pairs = vec![
            (Text("q".into()), Text("a b&c".into())),
            (Text("tag".into()), Text("x".into())),
        ];
        assert_eq!(encoded_query(&pairs), "q=a+b%26c&tag=x");
    }

    /// What the HTTP source makes of `event`.
    fn event_of(event: &str) -> Result<HttpEvent<'_>, NotHttp> {
        let fields = crate::source::read_json(event, |value| {
            let mut fields = HttpFields::default();
            value.object(|key, value| match HTTP_KEYS.contains(&key) {
                true => fields.read(key, value),
                false => Ok(()),
            })?;
            Ok(fields)
        });
        fields.expect("the event is JSON").into_event()
    }

    fn request_of(event: &str) -> Result<Request<Body>, Error> {
        let bytes = Bytes::copy_from_slice(event.as_bytes());
        let text = std::str::from_utf8(&bytes).unwrap();
        let http = event_of(text).unwrap_or_else(|not| panic!("not HTTP: {not:?}"));
        http.into_request(&bytes, Context::default())
            .map(|(request, _)| request)
            .map_err(|(problem, _)| Error::handler(problem.to_string()))
    }

    fn payload_of(event: &str) -> Option<HttpPayload> {
        event_of(event).ok().map(|event| event.payload)
    }

    #[test]
    fn tells_http_payloads_apart() {
        let v2 = r#"{"version":"2.0","routeKey":"$default","rawPath":"/","requestContext":{"http":{"method":"GET"}}}"#;
        assert_eq!(payload_of(v2), Some(HttpPayload::HttpV2));
        let v1 = r#"{"resource":"/","path":"/","httpMethod":"GET","requestContext":{"stage":"prod"}}"#;
        assert_eq!(payload_of(v1), Some(HttpPayload::RestV1));
        let alb = r#"{"requestContext":{"elb":{"targetGroupArn":"arn"}},"httpMethod":"GET","path":"/"}"#;
        assert_eq!(payload_of(alb), Some(HttpPayload::Alb));
        let body = r#"{"order":{"httpMethod":"GET","requestContext":{"elb":1}},"version":"2.0"}"#;
        assert_eq!(
            payload_of(body),
            None,
            "keys of nested objects are not the event's"
        );
    }

    const ALB: &str = r#"{"requestContext":{"elb":{"targetGroupArn":"arn"}},"httpMethod":"GET","path":"/","#;

    #[test]
    fn headers_are_read_with_the_event() {
        let request = request_of(&format!(
            r#"{ALB}"headers":{{"X-Forwarded-For":"1.2.3.4","accept":"a\"b","x-empty":null,"bad name":"x"}}}}"#
        ))
        .unwrap();
        let headers = request.headers();
        assert_eq!(headers["x-forwarded-for"], "1.2.3.4");
        assert_eq!(headers["accept"], "a\"b");
        assert_eq!(headers.len(), 2, "{headers:?}");

        // Multi-value headers win over single ones, each value kept, in order.
        let request = request_of(&format!(
            r#"{ALB}"headers":{{"a":"single"}},"multiValueHeaders":{{"a":["1","2"],"b":[]}}}}"#
        ))
        .unwrap();
        let values: Vec<_> = request.headers().get_all("a").iter().collect();
        assert_eq!(values, ["1", "2"]);
        assert!(!request.headers().contains_key("b"));
    }

    #[test]
    fn an_http_shaped_event_with_fields_of_other_types_is_not_an_http_event() {
        for (fields, path) in [
            (r#""headers":{"x-a":5}"#, "headers.x-a"),
            (r#""headers":{"x-a":["1"]}"#, "headers.x-a"),
            (r#""multiValueHeaders":{"x-a":"1"}"#, "multiValueHeaders.x-a"),
            (r#""multiValueHeaders":{"x-a":[1]}"#, "multiValueHeaders.x-a"),
            (r#""headers":"x-a""#, "headers"),
            (r#""queryStringParameters":{"q":true}"#, "queryStringParameters.q"),
            (
                r#""multiValueQueryStringParameters":{"q":"1"}"#,
                "multiValueQueryStringParameters.q",
            ),
            (r#""body":{"a":1}"#, "body"),
            (r#""isBase64Encoded":"yes""#, "isBase64Encoded"),
            (r#""cookies":"a=1""#, "cookies"),
        ] {
            let event = format!("{ALB}{fields}}}");
            match event_of(&event) {
                Err(NotHttp::Malformed(why)) => assert!(why.contains(&format!("`{path}`")), "{why}"),
                other => panic!("{event}: {other:?}"),
            }
        }
        // A method that is not text, on an event that has one.
        match event_of(r#"{"requestContext":{"elb":{}},"httpMethod":7}"#) {
            Err(NotHttp::Malformed(why)) => assert!(why.contains("`httpMethod`"), "{why}"),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn authorizer_and_websocket_events_are_not_http_requests() {
        for event in [
            r#"{"type":"TOKEN","authorizationToken":"t","methodArn":"arn:m"}"#,
            r#"{"type":"REQUEST","methodArn":"arn:m","httpMethod":"GET","path":"/","requestContext":{"stage":"p"}}"#,
            r#"{"version":"2.0","type":"REQUEST","routeArn":"arn:r","rawPath":"/","requestContext":{"http":{"method":"GET"}}}"#,
            r#"{"httpMethod":"GET","path":"/","requestContext":{"connectionId":"c","routeKey":"$connect"}}"#,
        ] {
            assert!(matches!(event_of(event), Err(NotHttp::Other)), "{event}");
        }
    }

    #[test]
    fn other_events_may_have_a_headers_key_of_any_kind() {
        for event in [
            r#"{"headers":5}"#,
            r#"{"headers":[1,{"a":2}]}"#,
            r#"{"headers":{"a":{"b":1}}}"#,
        ] {
            assert!(matches!(event_of(event), Err(NotHttp::Other)), "{event}");
        }
    }
}
