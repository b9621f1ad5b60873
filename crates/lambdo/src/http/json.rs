//! `Json<T>` in HTTP routes: the request body decoded (or a problem response), and the
//! response serialized.

use axum::{
    extract::{FromRequest, Request},
    response::{IntoResponse, Response},
};
use bytes::Bytes;
use http::{header, HeaderMap, HeaderValue, StatusCode};
use serde::{de::DeserializeOwned, Serialize};

use super::Problem;
use crate::Json;

/// Why an HTTP body could not become a `Json<T>`; answers as a problem response.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum JsonRejection {
    /// The request has no `Content-Type: application/json` (or `+json`).
    #[error("expected a request body with content type application/json")]
    UnsupportedContentType,
    /// The body is not valid JSON.
    #[error("the body is not valid JSON: {0}")]
    Syntax(#[source] serde_json::Error),
    /// The body is JSON of the wrong shape; `pointer` names the field (RFC 6901).
    #[error("the body does not match the expected shape at `{path}`: {source}")]
    Data {
        /// The failing field as a serde path (`items[0].quantity`).
        path: String,
        /// The same field as a JSON pointer (`/items/0/quantity`).
        pointer: String,
        /// What serde reported.
        #[source]
        source: serde_json::Error,
    },
    /// The body could not be read (over the body limit, or a broken stream).
    #[error("{0}")]
    Body(#[from] axum::extract::rejection::BytesRejection),
}

impl JsonRejection {
    /// The problem response this rejection answers with.
    ///
    /// ```
    /// let rejection = lambdo::JsonRejection::UnsupportedContentType;
    /// assert_eq!(rejection.to_problem().status(), 415);
    /// ```
    pub fn to_problem(&self) -> Problem {
        match self {
            JsonRejection::UnsupportedContentType => {
                Problem::new(StatusCode::UNSUPPORTED_MEDIA_TYPE).with_detail(self.to_string())
            }
            JsonRejection::Syntax(_) => Problem::bad_request(self.to_string()),
            JsonRejection::Data { pointer, .. } => {
                Problem::unprocessable(self.to_string()).with_extension("pointer", pointer.clone())
            }
            JsonRejection::Body(rejection) => {
                Problem::new(rejection.status()).with_detail(rejection.body_text())
            }
        }
    }
}

impl IntoResponse for JsonRejection {
    fn into_response(self) -> Response {
        self.to_problem().into_response()
    }
}

impl<S, T> FromRequest<S> for Json<T>
where
    S: Send + Sync,
    T: DeserializeOwned,
{
    type Rejection = JsonRejection;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        if !is_json(request.headers()) {
            return Err(JsonRejection::UnsupportedContentType);
        }
        let bytes = Bytes::from_request(request, state).await?;
        decode_body(&bytes).map(Json)
    }
}

fn decode_body<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, JsonRejection> {
    // The path is tracked only when the fast decode failed (see `Error::decode`).
    if let Ok(value) = serde_json::from_slice(bytes) {
        return Ok(value);
    }
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let value = serde_path_to_error::deserialize(&mut de).map_err(|err| {
        let path = err.path().clone();
        let source = crate::redact::serde_error(err.into_inner());
        if source.is_syntax() || source.is_eof() {
            JsonRejection::Syntax(source)
        } else {
            JsonRejection::Data {
                pointer: json_pointer(&path),
                path: path.to_string(),
                source,
            }
        }
    })?;
    de.end().map_err(JsonRejection::Syntax)?;
    Ok(value)
}

/// RFC 6901 pointer for a serde path.
fn json_pointer(path: &serde_path_to_error::Path) -> String {
    use serde_path_to_error::Segment;
    let mut pointer = String::new();
    for segment in path.iter() {
        pointer.push('/');
        match segment {
            Segment::Seq { index } => pointer.push_str(&index.to_string()),
            Segment::Map { key } | Segment::Enum { variant: key } => {
                pointer.push_str(&key.replace('~', "~0").replace('/', "~1"))
            }
            Segment::Unknown => pointer.push('?'),
        }
    }
    pointer
}

fn is_json(headers: &HeaderMap) -> bool {
    let Some(content_type) = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()) else {
        return false;
    };
    let essence = content_type.split(';').next().unwrap_or_default().trim();
    essence.eq_ignore_ascii_case("application/json")
        || (essence.len() > 5 && essence[essence.len() - 5..].eq_ignore_ascii_case("+json"))
}

impl<T: Serialize> IntoResponse for Json<T> {
    fn into_response(self) -> Response {
        match serde_json::to_vec(&self.0) {
            Ok(body) => {
                let mut response = body.into_response();
                response
                    .headers_mut()
                    .insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
                response
            }
            Err(error) => {
                Problem::internal(format!("serializing the JSON response failed: {error}")).into_response()
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, serde::Deserialize)]
    #[allow(dead_code)]
    struct Todo {
        title: String,
        tags: Vec<Tag>,
    }

    #[derive(Debug, serde::Deserialize)]
    #[allow(dead_code)]
    struct Tag {
        name: String,
    }

    #[test]
    fn data_errors_carry_a_json_pointer() {
        let err = decode_body::<Todo>(br#"{"title":"a","tags":[{"name":"x"},{"name":7}]}"#).unwrap_err();
        match err {
            JsonRejection::Data { path, pointer, .. } => {
                assert_eq!(path, "tags[1].name");
                assert_eq!(pointer, "/tags/1/name");
            }
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn content_types() {
        let mut headers = HeaderMap::new();
        assert!(!is_json(&headers));
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json; charset=utf-8"),
        );
        assert!(is_json(&headers));
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/merge-patch+json"),
        );
        assert!(is_json(&headers));
        headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/plain"));
        assert!(!is_json(&headers));
    }
}
