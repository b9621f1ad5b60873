//! Responses a function streams (`Lambda-Runtime-Function-Response-Mode: streaming`):
//! read as they come, or whole.

use std::time::Duration;

use axum::body::{Body, Bytes};
use base64::Engine;
use http_body_util::BodyExt;
use lambdo::Diagnostic;
use serde_json::Value;
use tokio::sync::mpsc;

use crate::Outcome;

/// What the Runtime API hands the invoker when a function answers.
#[derive(Debug)]
pub(crate) enum Reply {
    /// A buffered response or an error.
    Done(Outcome),
    /// A response being streamed.
    Stream(ResponseStream),
}

#[derive(Debug)]
enum Frame {
    Chunk(Bytes),
    End(Option<Diagnostic>),
}

/// A response the function is streaming, read chunk by chunk as it comes.
///
/// ```no_run
/// # async fn example(api: lambdo_testing::RuntimeApi) -> Result<(), Box<dyn std::error::Error>> {
/// let mut stream = api
///     .invoke_streaming(&serde_json::json!({}), std::time::Duration::from_secs(5))
///     .await?;
/// while let Some(chunk) = stream.next_chunk().await {
///     println!("{} bytes", chunk.len());
/// }
/// assert!(stream.error().is_none());
/// # Ok(()) }
/// ```
#[derive(Debug)]
pub struct ResponseStream {
    content_type: Option<String>,
    frames: mpsc::UnboundedReceiver<Frame>,
    error: Option<Diagnostic>,
}

impl ResponseStream {
    /// The stream's `Content-Type` (for an HTTP response,
    /// `application/vnd.awslambda.http-integration-response`).
    pub fn content_type(&self) -> Option<&str> {
        self.content_type.as_deref()
    }

    /// The next chunk the function sent, when it comes; `None` once the stream ended.
    pub async fn next_chunk(&mut self) -> Option<Bytes> {
        match self.frames.recv().await {
            Some(Frame::Chunk(chunk)) => Some(chunk),
            Some(Frame::End(error)) => {
                self.error = error;
                None
            }
            None => None,
        }
    }

    /// The error the function ended the stream with (its error trailers), or that the
    /// stream broke off, once [`ResponseStream::next_chunk`] has returned `None`.
    pub fn error(&self) -> Option<&Diagnostic> {
        self.error.as_ref()
    }

    /// Reads the rest of the stream.
    pub async fn collect(mut self) -> StreamedResponse {
        let mut chunks = Vec::new();
        while let Some(chunk) = self.next_chunk().await {
            chunks.push(chunk);
        }
        StreamedResponse {
            content_type: self.content_type,
            chunks,
            error: self.error,
        }
    }
}

/// A streamed response, read whole: [`Outcome::Streamed`].
#[derive(Debug, Clone, PartialEq)]
pub struct StreamedResponse {
    /// The stream's `Content-Type`.
    pub content_type: Option<String>,
    /// The chunks, as they came.
    pub chunks: Vec<Bytes>,
    /// The error the stream ended with, if it did.
    pub error: Option<Diagnostic>,
}

impl StreamedResponse {
    /// Every byte of the stream.
    pub fn bytes(&self) -> Vec<u8> {
        self.chunks.concat()
    }

    /// For a streamed HTTP response: its head (`statusCode`, `headers`, `cookies`) and
    /// its body, split at the eight NUL bytes between them.
    pub fn http_parts(&self) -> Option<(Value, Vec<u8>)> {
        split_http_head(&self.bytes())
    }
}

/// A streamed HTTP response's head and body.
pub(crate) fn split_http_head(bytes: &[u8]) -> Option<(Value, Vec<u8>)> {
    let end = bytes.windows(8).position(|window| window == [0; 8])?;
    let head = serde_json::from_slice(&bytes[..end]).ok()?;
    Some((head, bytes[end + 8..].to_vec()))
}

/// Reads a streamed `/response` body into a [`ResponseStream`] as it arrives; what its
/// trailers say (or its breaking off) ends it.
pub(crate) fn read(
    content_type: Option<String>,
    body: Body,
) -> (ResponseStream, impl std::future::Future<Output = ()>) {
    let (frames, receiver) = mpsc::unbounded_channel();
    let pump = async move {
        let mut body = body;
        loop {
            match body.frame().await {
                Some(Ok(frame)) => match frame.into_data() {
                    Ok(chunk) => {
                        let _ = frames.send(Frame::Chunk(chunk));
                    }
                    Err(frame) => {
                        let error = frame.trailers_ref().and_then(diagnostic_of_trailers);
                        let _ = frames.send(Frame::End(error));
                        return;
                    }
                },
                Some(Err(error)) => {
                    let broken = Diagnostic {
                        error_type: "Runtime.TruncatedResponse".to_owned(),
                        error_message: format!("the response stream broke off: {error}"),
                    };
                    let _ = frames.send(Frame::End(Some(broken)));
                    return;
                }
                None => {
                    let _ = frames.send(Frame::End(None));
                    return;
                }
            }
        }
    };
    let stream = ResponseStream {
        content_type,
        frames: receiver,
        error: None,
    };
    (stream, pump)
}

/// `Lambda-Runtime-Function-Error-Type` and `-Body` (base64), as a `Diagnostic`.
fn diagnostic_of_trailers(trailers: &http::HeaderMap) -> Option<Diagnostic> {
    let error_type = trailers
        .get("lambda-runtime-function-error-type")?
        .to_str()
        .ok()?
        .to_owned();
    let body = trailers
        .get("lambda-runtime-function-error-body")
        .and_then(|body| {
            base64::engine::general_purpose::STANDARD
                .decode(body.as_bytes())
                .ok()
        })
        .unwrap_or_default();
    let error_message = serde_json::from_slice::<Diagnostic>(&body)
        .map(|diagnostic| diagnostic.error_message)
        .unwrap_or_else(|_| String::from_utf8_lossy(&body).into_owned());
    Some(Diagnostic {
        error_type,
        error_message,
    })
}

/// The outcome a reply comes to, a stream read whole (within `timeout`).
pub(crate) async fn settle(reply: Reply, timeout: Duration) -> Outcome {
    match reply {
        Reply::Done(outcome) => outcome,
        Reply::Stream(stream) => match tokio::time::timeout(timeout, stream.collect()).await {
            Ok(streamed) => Outcome::Streamed(streamed),
            Err(_) => Outcome::Error(Diagnostic {
                error_type: "Sandbox.Timedout".to_owned(),
                error_message: format!("the response stream did not end within {timeout:?}"),
            }),
        },
    }
}
