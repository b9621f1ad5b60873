//! The body of a request to the Runtime API: a JSON document, or a response stream.

use std::{
    pin::Pin,
    task::{Context, Poll},
};

use bytes::Bytes;
use http_body::{Body, Frame, SizeHint};

use crate::BoxError;

/// What lambdo sends to the Runtime API.
pub(crate) struct Outgoing(Kind);

enum Kind {
    /// A whole body (taken when sent).
    Full(Option<Bytes>),
    /// A body produced while it is sent, ending with trailers if it fails.
    Stream(Pin<Box<dyn Body<Data = Bytes, Error = BoxError> + Send>>),
}

impl Outgoing {
    pub(crate) fn empty() -> Self {
        Outgoing(Kind::Full(None))
    }

    pub(crate) fn json(bytes: Bytes) -> Self {
        Outgoing(Kind::Full(Some(bytes)))
    }

    pub(crate) fn stream(body: Streamed) -> Self {
        Outgoing(Kind::Stream(Box::pin(body)))
    }
}

impl Body for Outgoing {
    type Data = Bytes;
    type Error = BoxError;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, BoxError>>> {
        match &mut self.get_mut().0 {
            Kind::Full(bytes) => Poll::Ready(bytes.take().map(|bytes| Ok(Frame::data(bytes)))),
            Kind::Stream(body) => body.as_mut().poll_frame(cx),
        }
    }

    fn is_end_stream(&self) -> bool {
        match &self.0 {
            Kind::Full(bytes) => bytes.is_none(),
            Kind::Stream(body) => body.is_end_stream(),
        }
    }

    fn size_hint(&self) -> SizeHint {
        match &self.0 {
            Kind::Full(bytes) => SizeHint::with_exact(bytes.as_ref().map_or(0, |bytes| bytes.len() as u64)),
            Kind::Stream(body) => body.size_hint(),
        }
    }
}

/// A streamed answer's body as it goes to the Runtime API: its bytes, and, if it fails
/// midway, the trailers that tell Lambda so (declared in the request's `Trailer`).
pub(crate) struct Streamed {
    body: crate::source::StreamBody,
    failed: bool,
}

impl Streamed {
    pub(crate) fn new(body: crate::source::StreamBody) -> Self {
        Streamed { body, failed: false }
    }
}

/// The trailers of a stream that failed: its error type, and the error as base64 JSON.
pub(crate) const ERROR_TRAILERS: &str =
    "Lambda-Runtime-Function-Error-Type, Lambda-Runtime-Function-Error-Body";

impl Body for Streamed {
    type Data = Bytes;
    type Error = BoxError;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, BoxError>>> {
        if self.failed {
            return Poll::Ready(None);
        }
        match Pin::new(&mut self.body).poll_frame(cx) {
            Poll::Ready(Some(Err(error))) => {
                self.failed = true;
                Poll::Ready(Some(Ok(Frame::trailers(error_trailers(&error.to_string())))))
            }
            // Trailers of the route's own are not Lambda's to pass on.
            Poll::Ready(Some(Ok(frame))) if frame.is_trailers() => Poll::Ready(None),
            other => other.map_err(Into::into),
        }
    }

    fn is_end_stream(&self) -> bool {
        self.failed || self.body.is_end_stream()
    }
}

fn error_trailers(error: &str) -> http::HeaderMap {
    use base64::Engine;
    let diagnostic = crate::Diagnostic {
        error_type: "Lambdo.ResponseStream".to_owned(),
        error_message: format!("the response stream failed: {error}"),
    };
    let json = serde_json::to_vec(&diagnostic).unwrap_or_default();
    let mut trailers = http::HeaderMap::new();
    trailers.insert(
        "lambda-runtime-function-error-type",
        http::HeaderValue::from_static("Lambdo.ResponseStream"),
    );
    if let Ok(body) = http::HeaderValue::from_str(&base64::engine::general_purpose::STANDARD.encode(json)) {
        trailers.insert("lambda-runtime-function-error-body", body);
    }
    trailers
}
