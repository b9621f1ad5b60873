//! lambdo's client of the Lambda Runtime API: one HTTP/1.1 connection (hyper's), driven
//! inside the task that uses it.
//!
//! `lambda_runtime`'s loop goes through hyper-util's pooled client, a tower stack of
//! layers and a connection task of its own; per warm invocation that was ~33 k
//! instructions of client and ~37 k of cross-task (and cross-thread) wake-ups, more
//! than lambdo's whole handling of an HTTP event (~40 k). Here a worker owns its
//! connection and polls it itself while it waits for an answer: nothing is spawned and
//! nothing is woken from elsewhere. Measured (`scripts/bench-e2e.sh`, callgrind, whole
//! process): a warm HTTP API GET costs 114 k instructions, the two exchanges ~32 k of
//! them, against 252 k for `lambda_http` on `lambda_runtime`'s loop; warm CPU 0.39× on
//! a current-thread runtime.

use std::{pin::Pin, time::Duration};

use bytes::Bytes;
use http::{header, HeaderMap, HeaderValue, Method, Request, StatusCode};
use http_body_util::BodyExt;
use hyper::client::conn::http1;
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;

use super::outgoing::{Outgoing, Streamed, ERROR_TRAILERS};

/// Why the Runtime API could not be used.
#[derive(Debug, thiserror::Error)]
pub(crate) enum ApiError {
    /// Nothing answers at `AWS_LAMBDA_RUNTIME_API`.
    #[error("cannot connect to the Runtime API at {address}: {source}")]
    Unreachable { address: String, source: std::io::Error },
    /// The connection broke: closed early, a truncated or malformed answer.
    #[error("the connection to the Runtime API failed ({what}): {source}")]
    Connection {
        what: &'static str,
        source: hyper::Error,
    },
    /// An answer other than the one the Runtime API defines.
    #[error("the Runtime API answered {what} with {status}: {body}")]
    Status {
        what: &'static str,
        status: StatusCode,
        body: String,
    },
    /// A `/next` answer without the id every other call needs.
    #[error("the Runtime API sent an invocation without a Lambda-Runtime-Aws-Request-Id")]
    NoRequestId,
}

impl ApiError {
    /// Whether a new connection may succeed where this one failed.
    fn is_transport(&self) -> bool {
        matches!(self, ApiError::Unreachable { .. } | ApiError::Connection { .. })
    }

    /// Whether the Runtime API refused one request (a 4xx: a response too large, an
    /// invocation that is already over) rather than failed as a whole.
    pub(crate) fn is_refusal(&self) -> bool {
        matches!(self, ApiError::Status { status, .. } if status.is_client_error())
    }
}

/// One invocation as `/next` delivered it.
#[derive(Debug)]
pub(crate) struct Next {
    pub(crate) request_id: String,
    pub(crate) headers: HeaderMap,
    pub(crate) event: Bytes,
}

/// What `/next` gave that is not an invocation to run.
#[derive(Debug)]
pub(crate) enum NextError {
    /// The headers came, the event did not (the connection closed within the body):
    /// the invocation is known (`next`, with no event) and can be failed.
    Truncated { next: Next, error: ApiError },
    /// Nothing usable.
    Api(ApiError),
}

struct Open {
    sender: http1::SendRequest<Outgoing>,
    connection: Pin<Box<http1::Connection<TokioIo<TcpStream>, Outgoing>>>,
}

/// A connection to the Runtime API, opened when first needed and again after it broke.
pub(crate) struct RuntimeApi {
    address: String,
    host: HeaderValue,
    /// A path every request's goes under: `cargo lambda watch` serves each function's
    /// Runtime API at `http://host:port/.rt/<function>`.
    prefix: String,
    open: Option<Open>,
}

/// Waits before each new attempt after a broken connection: about 1.3 s in all, then
/// the failure is final.
const RETRY_DELAYS_MS: [u64; 5] = [0, 20, 80, 320, 900];

const NEXT: &str = "/2018-06-01/runtime/invocation/next";
const INIT_ERROR: &str = "/2018-06-01/runtime/init/error";
const USER_AGENT: HeaderValue = HeaderValue::from_static(concat!("lambdo/", env!("CARGO_PKG_VERSION")));

impl RuntimeApi {
    /// A client of the Runtime API at `address`: `host:port` as Lambda gives it, or a
    /// URL (`http://host:port/path`, as `cargo lambda watch` gives it).
    pub(crate) fn new(address: &str) -> Result<Self, String> {
        let not_an_address =
            || format!("AWS_LAMBDA_RUNTIME_API is not a host and port or an http URL: {address:?}");
        let rest = address.strip_prefix("http://").unwrap_or(address);
        let (authority, prefix) = match rest.find('/') {
            Some(slash) => (&rest[..slash], rest[slash..].trim_end_matches('/')),
            None => (rest, ""),
        };
        if authority.is_empty() || rest.contains("://") {
            return Err(not_an_address());
        }
        let host = HeaderValue::from_str(authority).map_err(|_| not_an_address())?;
        Ok(RuntimeApi {
            address: authority.to_owned(),
            host,
            prefix: prefix.to_owned(),
            open: None,
        })
    }

    /// Waits for the next invocation.
    pub(crate) async fn next(&mut self) -> Result<Next, NextError> {
        let (parts, body) = self
            .exchange_retrying("/next", || get(NEXT))
            .await
            .map_err(NextError::Api)?;
        if parts.status != StatusCode::OK {
            let body = self.body(body).await.unwrap_or_default();
            return Err(NextError::Api(status_error("/next", parts.status, &body)));
        }
        let request_id = parts
            .headers
            .get("lambda-runtime-aws-request-id")
            .and_then(|id| id.to_str().ok())
            .filter(|id| !id.is_empty())
            .map(str::to_owned)
            .ok_or(NextError::Api(ApiError::NoRequestId))?;
        match self.body(body).await {
            Ok(event) => Ok(Next {
                request_id,
                headers: parts.headers,
                event,
            }),
            Err(error) => Err(NextError::Truncated {
                next: Next {
                    request_id,
                    headers: parts.headers,
                    event: Bytes::new(),
                },
                error,
            }),
        }
    }

    /// Posts `body` (a JSON document, or a stream) as the invocation's response.
    pub(crate) async fn respond(&mut self, next: &Next, body: Outgoing) -> Result<(), ApiError> {
        let uri = invocation_uri(&next.request_id, "response");
        let mut body = Some(body);
        self.post_once_or_again("/response", || {
            let body = body.take().unwrap_or_else(Outgoing::empty);
            with_invocation_id(post(&uri, body), next)
        })
        .await
    }

    /// Streams `stream` as the invocation's response: its content type, its bytes as
    /// they come, error trailers if it fails. The connection is closed after it, as the
    /// Runtime API asks of streamed responses.
    pub(crate) async fn respond_streaming(
        &mut self,
        next: &Next,
        stream: crate::source::Stream,
    ) -> Result<(), ApiError> {
        let uri = invocation_uri(&next.request_id, "response");
        let mut request = with_invocation_id(post(&uri, Outgoing::stream(Streamed::new(stream.body))), next);
        let headers = request.headers_mut();
        headers.insert(header::CONTENT_TYPE, stream.content_type);
        headers.insert(
            "lambda-runtime-function-response-mode",
            HeaderValue::from_static("streaming"),
        );
        headers.insert(header::TRANSFER_ENCODING, HeaderValue::from_static("chunked"));
        headers.insert(header::TRAILER, HeaderValue::from_static(ERROR_TRAILERS));
        // Not sent again: the stream is consumed by the first attempt.
        let what = "the streamed /response";
        let outcome = match self.exchange(what, request).await {
            Ok(answer) => self.accepted(what, answer).await.map(drop),
            Err(error) => Err(error),
        };
        self.open = None;
        outcome
    }

    /// Posts `diagnostic` as the invocation's error.
    pub(crate) async fn fail(&mut self, next: &Next, diagnostic: &crate::Diagnostic) -> Result<(), ApiError> {
        let uri = invocation_uri(&next.request_id, "error");
        self.post_diagnostic("/error", &uri, Some(next), diagnostic).await
    }

    /// Posts `diagnostic` as the reason the function cannot start.
    pub(crate) async fn fail_init(&mut self, diagnostic: &crate::Diagnostic) -> Result<(), ApiError> {
        self.post_diagnostic("/init/error", INIT_ERROR, None, diagnostic)
            .await
    }

    async fn post_diagnostic(
        &mut self,
        what: &'static str,
        uri: &str,
        next: Option<&Next>,
        diagnostic: &crate::Diagnostic,
    ) -> Result<(), ApiError> {
        let json = Bytes::from(serde_json::to_vec(diagnostic).unwrap_or_default());
        let error_type =
            HeaderValue::from_str(&diagnostic.error_type).unwrap_or(HeaderValue::from_static("Unknown"));
        self.post_once_or_again(what, || {
            let mut request = post(uri, Outgoing::json(json.clone()));
            if let Some(next) = next {
                request = with_invocation_id(request, next);
            }
            request
                .headers_mut()
                .insert("lambda-runtime-function-error-type", error_type.clone());
            request
        })
        .await
    }

    /// Sends a request the Runtime API answers without waiting for an invocation,
    /// expecting a 2xx; `request` makes it again for a new attempt.
    pub(crate) async fn call(
        &mut self,
        what: &'static str,
        request: impl FnMut() -> Request<Outgoing>,
    ) -> Result<(http::response::Parts, Bytes), ApiError> {
        let answer = self.exchange_retrying(what, request).await?;
        self.accepted(what, answer).await
    }

    /// The answer's head and body if its status is a success, else the status error.
    async fn accepted(
        &mut self,
        what: &'static str,
        (parts, body): (http::response::Parts, hyper::body::Incoming),
    ) -> Result<(http::response::Parts, Bytes), ApiError> {
        let body = self.body(body).await?;
        if !parts.status.is_success() {
            return Err(status_error(what, parts.status, &body));
        }
        Ok((parts, body))
    }

    /// A post is sent again only when its connection broke before any answer: the
    /// Runtime API refuses a second answer to an invocation it already has (400).
    async fn post_once_or_again(
        &mut self,
        what: &'static str,
        mut request: impl FnMut() -> Request<Outgoing>,
    ) -> Result<(), ApiError> {
        let answer = match self.exchange(what, request()).await {
            Err(error) if error.is_transport() => self.exchange(what, request()).await?,
            other => other?,
        };
        self.accepted(what, answer).await.map(drop)
    }

    async fn exchange_retrying(
        &mut self,
        what: &'static str,
        mut request: impl FnMut() -> Request<Outgoing>,
    ) -> Result<(http::response::Parts, hyper::body::Incoming), ApiError> {
        let mut last = None;
        for delay in RETRY_DELAYS_MS {
            if delay > 0 {
                tokio::time::sleep(Duration::from_millis(delay)).await;
            }
            match self.exchange(what, request()).await {
                Err(error) if error.is_transport() => last = Some(error),
                other => return other,
            }
        }
        Err(last.expect("at least one attempt"))
    }

    /// Sends `request` and waits for the answer's head, polling the connection.
    async fn exchange(
        &mut self,
        what: &'static str,
        mut request: Request<Outgoing>,
    ) -> Result<(http::response::Parts, hyper::body::Incoming), ApiError> {
        if !self.prefix.is_empty() {
            let path = format!("{}{}", self.prefix, request.uri());
            *request.uri_mut() = path.parse().map_err(|_| ApiError::Status {
                what,
                status: StatusCode::BAD_REQUEST,
                body: format!("the path {path:?} is not a request path"),
            })?;
        }
        request.headers_mut().insert(header::HOST, self.host.clone());
        request.headers_mut().insert(header::USER_AGENT, USER_AGENT);
        let open = self.connect().await?;
        let Open { sender, connection } = open;
        let send = async {
            sender.ready().await?;
            sender.send_request(request).await
        };
        let answer = drive(connection, send).await;
        match answer {
            Ok(response) => Ok(response.into_parts()),
            Err(source) => {
                self.open = None;
                Err(ApiError::Connection { what, source })
            }
        }
    }

    /// Reads an answer's body, polling the connection.
    async fn body(&mut self, body: hyper::body::Incoming) -> Result<Bytes, ApiError> {
        let Some(Open { connection, .. }) = self.open.as_mut() else {
            // The connection ended with the head: whatever came is in `body` already.
            return collect(body).await;
        };
        let read = drive(connection, async {
            body.collect().await.map(|all| all.to_bytes())
        })
        .await;
        read.map_err(|source| {
            self.open = None;
            ApiError::Connection {
                what: "reading an answer",
                source,
            }
        })
    }

    async fn connect(&mut self) -> Result<&mut Open, ApiError> {
        if self.open.as_ref().is_some_and(|open| open.sender.is_closed()) {
            self.open = None;
        }
        if self.open.is_none() {
            let unreachable = |source| ApiError::Unreachable {
                address: self.address.clone(),
                source,
            };
            let stream = TcpStream::connect(&self.address).await.map_err(unreachable)?;
            // Small requests, each awaited: Nagle's algorithm would only delay them.
            stream.set_nodelay(true).map_err(unreachable)?;
            let (sender, connection) =
                http1::handshake(TokioIo::new(stream))
                    .await
                    .map_err(|source| ApiError::Connection {
                        what: "opening the connection",
                        source,
                    })?;
            self.open = Some(Open {
                sender,
                connection: Box::pin(connection),
            });
        }
        Ok(self.open.as_mut().expect("just opened"))
    }
}

/// Polls `work` and, beside it, the connection it needs.
///
/// If the connection ends first (the peer closed it), `work` still gets what was read
/// before the end, or its error.
async fn drive<T>(
    connection: &mut Pin<Box<http1::Connection<TokioIo<TcpStream>, Outgoing>>>,
    work: impl std::future::Future<Output = Result<T, hyper::Error>>,
) -> Result<T, hyper::Error> {
    let mut work = std::pin::pin!(work);
    tokio::select! {
        biased;
        done = &mut work => done,
        _ = connection.as_mut() => work.await,
    }
}

async fn collect(body: hyper::body::Incoming) -> Result<Bytes, ApiError> {
    body.collect()
        .await
        .map(|all| all.to_bytes())
        .map_err(|source| ApiError::Connection {
            what: "reading an answer",
            source,
        })
}

fn get(path: &'static str) -> Request<Outgoing> {
    let mut request = Request::new(Outgoing::empty());
    *request.uri_mut() = http::Uri::from_static(path);
    request
}

fn post(uri: &str, body: Outgoing) -> Request<Outgoing> {
    let mut request = Request::new(body);
    *request.method_mut() = Method::POST;
    *request.uri_mut() = uri.parse().unwrap_or_else(|_| http::Uri::from_static("/"));
    request
}

/// Echoes the invocation id `/next` gave (Lambda Managed Instances send one).
fn with_invocation_id(mut request: Request<Outgoing>, next: &Next) -> Request<Outgoing> {
    if let Some(id) = next.headers.get("lambda-runtime-invocation-id") {
        request
            .headers_mut()
            .insert("lambda-runtime-invocation-id", id.clone());
    }
    request
}

/// What of a request id is percent-encoded in a path: anything but a UUID's characters
/// (which Lambda's ids are, left as they are).
const NOT_IN_ID: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC.remove(b'-').remove(b'_');

/// `/2018-06-01/runtime/invocation/{id}/{what}`, the id kept one path segment.
fn invocation_uri(request_id: &str, what: &str) -> String {
    let id = percent_encoding::utf8_percent_encode(request_id, NOT_IN_ID);
    format!("/2018-06-01/runtime/invocation/{id}/{what}")
}

/// An unexpected status; the Runtime API's own answer (never event data) is kept, short.
fn status_error(what: &'static str, status: StatusCode, body: &[u8]) -> ApiError {
    let text = String::from_utf8_lossy(body);
    let text = text.trim();
    let body = match text.char_indices().nth(200) {
        Some((end, _)) => format!("{}…", &text[..end]),
        None if text.is_empty() => "(no body)".to_owned(),
        None => text.to_owned(),
    };
    ApiError::Status { what, status, body }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_ids_stay_one_path_segment() {
        assert_eq!(
            invocation_uri("8476a536-e9f4-11e8-9739-2dfe598c3fcd", "response"),
            "/2018-06-01/runtime/invocation/8476a536-e9f4-11e8-9739-2dfe598c3fcd/response"
        );
        assert_eq!(
            invocation_uri("a/../b", "error"),
            "/2018-06-01/runtime/invocation/a%2F%2E%2E%2Fb/error"
        );
    }

    #[test]
    fn the_address_is_a_host_and_port_or_a_url_with_a_path() {
        let lambda = RuntimeApi::new("127.0.0.1:9001").unwrap();
        assert_eq!(
            (lambda.address.as_str(), lambda.prefix.as_str()),
            ("127.0.0.1:9001", "")
        );
        let watch = RuntimeApi::new("http://127.0.0.1:9000/.rt/todo-api").unwrap();
        assert_eq!(
            (watch.address.as_str(), watch.prefix.as_str()),
            ("127.0.0.1:9000", "/.rt/todo-api")
        );
        assert_eq!(watch.host, "127.0.0.1:9000");
        assert!(RuntimeApi::new("https://127.0.0.1:9000").is_err());
        assert!(RuntimeApi::new("").is_err());
    }

    #[test]
    fn the_runtime_apis_answer_is_kept_short() {
        let long = "x".repeat(500);
        let ApiError::Status { body, .. } =
            status_error("/next", StatusCode::INTERNAL_SERVER_ERROR, long.as_bytes())
        else {
            unreachable!()
        };
        assert_eq!(body.chars().count(), 201);
        let ApiError::Status { body, .. } = status_error("/next", StatusCode::INTERNAL_SERVER_ERROR, b"")
        else {
            unreachable!()
        };
        assert_eq!(body, "(no body)");
    }
}
