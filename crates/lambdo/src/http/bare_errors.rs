//! Turns error responses that are not problems yet into problem responses.
//!
//! axum answers unknown routes (404), wrong methods (405), oversized bodies (413) and its
//! own extractor rejections (`Path`, `Query`…) with empty or `text/plain` bodies. Clients
//! of a lambdo API get `application/problem+json` for every error instead, and server
//! errors never show their original body (it goes to the log).

use axum::{body::Body, response::IntoResponse, response::Response};
use http::header;

use super::{problem::PROBLEM_JSON, Problem};

/// The most of a bare error body lambdo reads to use as the problem's detail.
const DETAIL_LIMIT: usize = 64 * 1024;

pub(crate) async fn into_problem(response: Response) -> Response {
    let status = response.status();
    if !(status.is_client_error() || status.is_server_error()) || is_problem(&response) {
        return response;
    }
    if status.is_client_error() && is_json(&response) {
        // The handler chose its own JSON error body: keep it.
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let text = match axum::body::to_bytes(body, DETAIL_LIMIT).await {
        Ok(bytes) => String::from_utf8_lossy(&bytes).trim().to_owned(),
        Err(_) => String::new(),
    };
    let problem = if status.is_server_error() {
        if !text.is_empty() {
            tracing::error!(status = status.as_u16(), body = %text, "server error body withheld from the response");
        }
        Problem::new(status)
    } else if text.is_empty() {
        Problem::new(status)
    } else {
        Problem::new(status).with_detail(text)
    };
    let (problem_parts, problem_body) = problem.into_response().into_parts();
    parts.headers.remove(header::CONTENT_LENGTH);
    parts.headers.extend(problem_parts.headers);
    Response::from_parts(parts, Body::new(problem_body))
}

fn content_type(response: &Response) -> &str {
    response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .unwrap_or_default()
}

fn is_problem(response: &Response) -> bool {
    content_type(response).starts_with(PROBLEM_JSON)
}

fn is_json(response: &Response) -> bool {
    let essence = content_type(response)
        .split(';')
        .next()
        .unwrap_or_default()
        .trim();
    essence == "application/json" || essence.ends_with("+json")
}
