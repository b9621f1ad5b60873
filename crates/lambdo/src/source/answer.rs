//! `Answer`: what a source gives the invoker for one event.

use bytes::Bytes;
use http::HeaderValue;
use http_body_util::{combinators::UnsyncBoxBody, BodyExt};
use serde_json::value::RawValue;

use crate::{BoxError, Error};

/// A streamed answer's body, whatever body type made it.
pub(crate) type Body = UnsyncBoxBody<Bytes, BoxError>;

/// The answer to one event: a JSON document, as every invoker takes, or a stream of
/// bytes for an invoker that reads the response as it comes (a Function URL with
/// `InvokeMode: RESPONSE_STREAM`, `InvokeWithResponseStream`).
///
/// A [`Source`](super::Source) answers JSON with `Answer::from(raw)` (or `raw.into()`).
///
/// ```
/// use lambdo::source::Answer;
///
/// let answer = Answer::from(serde_json::value::to_raw_value(&42).unwrap());
/// assert!(!answer.is_stream());
/// let body = http_body_util::Full::new(bytes::Bytes::from("chunk"));
/// let stream = Answer::stream(http::HeaderValue::from_static("text/plain"), body);
/// assert!(stream.is_stream());
/// ```
#[derive(Debug)]
pub struct Answer(Kind);

#[derive(Debug)]
enum Kind {
    Json(Box<RawValue>),
    Stream { content_type: HeaderValue, body: Body },
}

/// A streamed answer's parts, for the runtime.
pub(crate) struct Stream {
    pub(crate) content_type: HeaderValue,
    pub(crate) body: Body,
}

impl Answer {
    /// An answer streamed to the invoker: `body`'s bytes as they come, with
    /// `content_type` (which Lambda passes on to the caller). A body that fails
    /// midway ends the stream with the error, reported as Lambda's runtimes report it.
    pub fn stream<B>(content_type: HeaderValue, body: B) -> Self
    where
        B: http_body::Body<Data = Bytes> + Send + 'static,
        B::Error: Into<BoxError>,
    {
        Answer(Kind::Stream {
            content_type,
            body: body.map_err(Into::into).boxed_unsync(),
        })
    }

    /// The answer with its stream's body read inside `span`.
    pub(crate) fn in_span(self, span: tracing::Span) -> Self {
        match self.0 {
            Kind::Stream { content_type, body } => Answer(Kind::Stream {
                content_type,
                body: InSpan { span, body }.boxed_unsync(),
            }),
            json => Answer(json),
        }
    }

    /// Whether the answer is streamed.
    pub fn is_stream(&self) -> bool {
        matches!(self.0, Kind::Stream { .. })
    }

    /// The JSON answer, or the stream.
    pub(crate) fn into_parts(self) -> Result<Box<RawValue>, Stream> {
        match self.0 {
            Kind::Json(json) => Ok(json),
            Kind::Stream { content_type, body } => Err(Stream { content_type, body }),
        }
    }

    /// The answer as one JSON document, for callers that do not stream (tests, local
    /// mode's invoke endpoint): a stream is read whole, and an HTTP response stream
    /// becomes the buffered response a Function URL takes.
    pub(crate) async fn into_json(self) -> Result<Box<RawValue>, Error> {
        let Stream { content_type, body } = match self.into_parts() {
            Ok(json) => return Ok(json),
            Err(stream) => stream,
        };
        let bytes = body
            .collect()
            .await
            .map_err(|error| Error::Handler(format!("the response stream failed: {error}").into()))?
            .to_bytes();
        if content_type == STREAMED_HTTP_RESPONSE {
            return buffered_http_response(&bytes);
        }
        match serde_json::from_slice::<Box<RawValue>>(&bytes) {
            Ok(json) => Ok(json),
            Err(_) => {
                serde_json::value::to_raw_value(&String::from_utf8_lossy(&bytes)).map_err(Error::Encode)
            }
        }
    }
}

/// A body whose frames are made inside a span: what the route does while it streams
/// is logged with the invocation's fields, and so is the stream's failure.
struct InSpan {
    span: tracing::Span,
    body: Body,
}

impl http_body::Body for InSpan {
    type Data = bytes::Bytes;
    type Error = BoxError;

    fn poll_frame(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Result<http_body::Frame<bytes::Bytes>, BoxError>>> {
        let this = &mut *self;
        let _entered = this.span.enter();
        let frame = std::pin::Pin::new(&mut this.body).poll_frame(cx);
        if let std::task::Poll::Ready(Some(Err(error))) = &frame {
            tracing::error!(error = %error, "the response stream failed midway");
        }
        frame
    }

    fn is_end_stream(&self) -> bool {
        self.body.is_end_stream()
    }

    fn size_hint(&self) -> http_body::SizeHint {
        self.body.size_hint()
    }
}

/// The content type of a streamed HTTP response: Lambda reads its head (JSON: status,
/// headers, cookies) up to eight NUL bytes, and passes the rest on as the body.
pub(crate) const STREAMED_HTTP_RESPONSE: HeaderValue =
    HeaderValue::from_static("application/vnd.awslambda.http-integration-response");

/// A streamed HTTP response as the JSON response a buffered Function URL takes.
fn buffered_http_response(bytes: &[u8]) -> Result<Box<RawValue>, Error> {
    use base64::Engine;
    let (head, body) = match bytes.windows(8).position(|window| window == [0; 8]) {
        Some(end) => (&bytes[..end], &bytes[end + 8..]),
        None => (&b"{}"[..], bytes),
    };
    let mut response: serde_json::Map<String, serde_json::Value> =
        serde_json::from_slice(head).unwrap_or_default();
    let (body, base64) = match std::str::from_utf8(body) {
        Ok(text) => (text.to_owned(), false),
        Err(_) => (base64::engine::general_purpose::STANDARD.encode(body), true),
    };
    response.insert("body".to_owned(), body.into());
    response.insert("isBase64Encoded".to_owned(), base64.into());
    serde_json::value::to_raw_value(&response).map_err(Error::Encode)
}

impl From<Box<RawValue>> for Answer {
    fn from(json: Box<RawValue>) -> Self {
        Answer(Kind::Json(json))
    }
}
