//! HTTP responses streamed to Function URLs (`InvokeMode: RESPONSE_STREAM`): the head
//! first (status, headers, cookies), then the body as the route produces it.

use axum::{body::Body, response::Response};
use bytes::Bytes;
use futures_util::StreamExt;

use super::response;
use crate::source::{Answer, STREAMED_HTTP_RESPONSE};

/// `response` as an answer streamed to the invoker.
pub(crate) fn answer(response: Response) -> Answer {
    let (parts, body) = response.into_parts();
    let mut head = response::prelude(&parts);
    head.extend_from_slice(&[0; 8]);
    let head = futures_util::stream::once(async move { Ok::<_, axum::Error>(Bytes::from(head)) });
    Answer::stream(
        STREAMED_HTTP_RESPONSE,
        Body::from_stream(head.chain(body.into_data_stream())),
    )
}
