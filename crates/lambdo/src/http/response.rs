//! `http::Response` into the JSON each HTTP caller expects back.

use std::borrow::Cow;

use axum::{body::Body, response::IntoResponse, response::Response};
use base64::Engine;
use http::{header, HeaderMap};
use http_body_util::BodyExt;
use serde::{ser::SerializeMap, Serialize, Serializer};
use serde_json::value::RawValue;

use super::{event::ResponseFormat, Problem};
use crate::Error;

use crate::RESPONSE_LIMIT;

/// Serializes `response` for the caller; a response over Lambda's limit becomes a 500
/// problem and a log line, not an opaque Lambda failure.
pub(crate) async fn into_lambda_response(
    response: Response,
    format: ResponseFormat,
) -> Result<Box<RawValue>, Error> {
    let json = write(response, format).await?;
    if json.get().len() <= RESPONSE_LIMIT {
        return Ok(json);
    }
    tracing::error!(
        size = json.get().len(),
        limit = RESPONSE_LIMIT,
        "the HTTP response is over Lambda's response size limit; answering 500 instead"
    );
    let problem = Problem::new(http::StatusCode::INTERNAL_SERVER_ERROR).into_response();
    write(problem, format).await
}

/// Serialized straight into a `RawValue`: no second pass to validate what serde wrote.
async fn write(response: Response, format: ResponseFormat) -> Result<Box<RawValue>, Error> {
    let (parts, body) = response.into_parts();
    let bytes = collect(body).await?;
    let (body, is_base64_encoded) = encode_body(&parts.headers, &bytes);
    let headers = &parts.headers;
    let status_code = parts.status.as_u16();
    let lambda_response = match format {
        ResponseFormat::RestV1 => LambdaHttpResponse {
            status_code,
            status_description: None,
            headers: None,
            multi_value_headers: Some(MultiValueHeaders(headers)),
            cookies: None,
            body,
            is_base64_encoded,
        },
        ResponseFormat::HttpV2 => LambdaHttpResponse {
            status_code,
            status_description: None,
            headers: Some(JoinedHeaders {
                headers,
                skip_set_cookie: true,
            }),
            multi_value_headers: None,
            cookies: Some(cookies(headers)),
            body,
            is_base64_encoded,
        },
        ResponseFormat::Alb { multi_value } => LambdaHttpResponse {
            status_code,
            status_description: Some(StatusDescription(parts.status)),
            headers: (!multi_value).then_some(JoinedHeaders {
                headers,
                skip_set_cookie: false,
            }),
            multi_value_headers: multi_value.then_some(MultiValueHeaders(headers)),
            cookies: None,
            body,
            is_base64_encoded,
        },
    };
    serde_json::value::to_raw_value(&lambda_response).map_err(Error::Encode)
}

/// A streamed response's head, as Lambda reads it before the body: the status, the
/// headers (joined as an HTTP API response has them) and the cookies.
pub(crate) fn prelude(parts: &http::response::Parts) -> Vec<u8> {
    #[derive(Serialize)]
    #[serde(rename_all = "camelCase")]
    struct Prelude<'a> {
        status_code: u16,
        headers: JoinedHeaders<'a>,
        cookies: Vec<Cow<'a, str>>,
    }
    let prelude = Prelude {
        status_code: parts.status.as_u16(),
        headers: JoinedHeaders {
            headers: &parts.headers,
            skip_set_cookie: true,
        },
        cookies: cookies(&parts.headers),
    };
    serde_json::to_vec(&prelude).unwrap_or_else(|_| br#"{"statusCode":500}"#.to_vec())
}

fn cookies(headers: &HeaderMap) -> Vec<Cow<'_, str>> {
    headers
        .get_all(header::SET_COOKIE)
        .iter()
        .map(|value| String::from_utf8_lossy(value.as_bytes()))
        .collect()
}

async fn collect(body: Body) -> Result<bytes::Bytes, Error> {
    body.collect()
        .await
        .map(|collected| collected.to_bytes())
        .map_err(|err| Error::Handler(format!("reading the response body failed: {err}").into()))
}

/// Text bodies go as they are; anything else (images, archives, compressed) as base64.
fn encode_body<'a>(headers: &HeaderMap, bytes: &'a [u8]) -> (Cow<'a, str>, bool) {
    if headers.contains_key(header::CONTENT_ENCODING) || !is_text(headers) {
        return (
            base64::engine::general_purpose::STANDARD.encode(bytes).into(),
            !bytes.is_empty(),
        );
    }
    match std::str::from_utf8(bytes) {
        Ok(text) => (Cow::Borrowed(text), false),
        Err(_) => (
            base64::engine::general_purpose::STANDARD.encode(bytes).into(),
            true,
        ),
    }
}

fn is_text(headers: &HeaderMap) -> bool {
    let Some(content_type) = headers.get(header::CONTENT_TYPE) else {
        // No content type: empty bodies and plain strings; UTF-8 is checked by the caller.
        return true;
    };
    let content_type = content_type.to_str().unwrap_or_default();
    let essence = content_type.split(';').next().unwrap_or_default().trim();
    let bytes = essence.as_bytes();
    let starts = |prefix: &str| {
        bytes.len() >= prefix.len() && bytes[..prefix.len()].eq_ignore_ascii_case(prefix.as_bytes())
    };
    let ends = |suffix: &str| {
        bytes.len() >= suffix.len()
            && bytes[bytes.len() - suffix.len()..].eq_ignore_ascii_case(suffix.as_bytes())
    };
    const TEXT_TYPES: [&str; 6] = [
        "application/json",
        "application/javascript",
        "application/xml",
        "application/x-www-form-urlencoded",
        "application/graphql",
        "image/svg+xml",
    ];
    starts("text/")
        || TEXT_TYPES.iter().any(|text| essence.eq_ignore_ascii_case(text))
        // `+json` suffixes, and line-delimited JSON (`application/x-ndjson`).
        || ends("json")
        || ends("+xml")
        || ends("+yaml")
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct LambdaHttpResponse<'a> {
    status_code: u16,
    #[serde(skip_serializing_if = "Option::is_none")]
    status_description: Option<StatusDescription>,
    #[serde(skip_serializing_if = "Option::is_none")]
    headers: Option<JoinedHeaders<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    multi_value_headers: Option<MultiValueHeaders<'a>>,
    /// HTTP API and Function URL responses always carry it, `[]` without cookies, as
    /// `lambda_http` writes them: `cargo lambda watch`'s Function URL proxy answers 500
    /// to a response without it.
    #[serde(skip_serializing_if = "Option::is_none")]
    cookies: Option<Vec<Cow<'a, str>>>,
    body: Cow<'a, str>,
    is_base64_encoded: bool,
}

/// ALB's `statusDescription`, e.g. `200 OK`, written without an intermediate string.
struct StatusDescription(http::StatusCode);

impl Serialize for StatusDescription {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        // Status codes are three digits and reasons short: a stack buffer, no
        // formatting machinery.
        let reason = self.0.canonical_reason().unwrap_or_default();
        let mut buffer = [0u8; 64];
        let code = self.0.as_str().as_bytes();
        let length = code.len() + 1 + reason.len();
        if length > buffer.len() {
            return serializer.collect_str(&format_args!("{} {reason}", self.0.as_u16()));
        }
        buffer[..code.len()].copy_from_slice(code);
        buffer[code.len()] = b' ';
        buffer[code.len() + 1..length].copy_from_slice(reason.as_bytes());
        let text = std::str::from_utf8(&buffer[..length]).map_err(serde::ser::Error::custom)?;
        serializer.serialize_str(text)
    }
}

/// `{"name": "v1, v2"}`: HTTP API and single-value ALB headers.
struct JoinedHeaders<'a> {
    headers: &'a HeaderMap,
    skip_set_cookie: bool,
}

impl Serialize for JoinedHeaders<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(None)?;
        for name in self.headers.keys() {
            if self.skip_set_cookie && name == header::SET_COOKIE {
                continue;
            }
            let mut values = self.headers.get_all(name).iter();
            let first = values.next().map(|v| String::from_utf8_lossy(v.as_bytes()));
            let joined = values.fold(first.unwrap_or_default(), |mut acc, value| {
                let acc_mut = acc.to_mut();
                acc_mut.push_str(", ");
                acc_mut.push_str(&String::from_utf8_lossy(value.as_bytes()));
                acc
            });
            map.serialize_entry(name.as_str(), &joined)?;
        }
        map.end()
    }
}

/// `{"name": ["v1", "v2"]}`: REST APIs and multi-value ALB headers.
struct MultiValueHeaders<'a>(&'a HeaderMap);

impl Serialize for MultiValueHeaders<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.0.keys_len()))?;
        for name in self.0.keys() {
            let values: Vec<Cow<'_, str>> = self
                .0
                .get_all(name)
                .iter()
                .map(|value| String::from_utf8_lossy(value.as_bytes()))
                .collect();
            map.serialize_entry(name.as_str(), &values)?;
        }
        map.end()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::HeaderValue;

    #[test]
    fn alb_status_descriptions() {
        let describe = |code: u16| {
            let status = http::StatusCode::from_u16(code).unwrap();
            serde_json::to_string(&StatusDescription(status)).unwrap()
        };
        assert_eq!(describe(200), r#""200 OK""#);
        assert_eq!(describe(404), r#""404 Not Found""#);
        assert_eq!(describe(511), r#""511 Network Authentication Required""#);
        assert_eq!(describe(599), r#""599 ""#);
    }

    #[test]
    fn binary_and_text_bodies() {
        let mut headers = HeaderMap::new();
        headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("image/png"));
        assert_eq!(encode_body(&headers, &[0x89, b'P']), (Cow::from("iVA="), true));
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/problem+json"),
        );
        assert_eq!(encode_body(&headers, b"{}"), (Cow::from("{}"), false));
        headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/plain"));
        headers.insert(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
        assert!(encode_body(&headers, b"\x1f\x8b").1);
    }

    #[tokio::test]
    async fn oversized_responses_become_500_problems() {
        let response = vec![b'a'; RESPONSE_LIMIT + 1].into_response();
        let raw = into_lambda_response(response, ResponseFormat::HttpV2)
            .await
            .unwrap();
        let value: serde_json::Value = serde_json::from_str(raw.get()).unwrap();
        assert_eq!(value["statusCode"], 500);
        assert_eq!(value["headers"]["content-type"], "application/problem+json");
    }
}
