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
        Problem::new(status).with_detail(without_values(&text))
    };
    let (problem_parts, problem_body) = problem.into_response().into_parts();
    parts.headers.remove(header::CONTENT_LENGTH);
    parts.headers.extend(problem_parts.headers);
    Response::from_parts(parts, Body::new(problem_body))
}

/// axum's rejection texts quote the request's values (`Cannot parse `abc` to a `u32``):
/// the detail keeps what failed and what was expected, never the value (see
/// [`crate::redact`]). Texts of other forms (a handler's own) are kept.
fn without_values(text: &str) -> String {
    if crate::redact::values_shown() {
        return text.to_owned();
    }
    const DESERIALIZE: &[&str] = &[
        "Failed to deserialize query string: ",
        "Failed to deserialize form body: ",
        "Failed to deserialize form: ",
    ];
    if let Some((prefix, rest)) = DESERIALIZE
        .iter()
        .find_map(|prefix| Some((*prefix, text.strip_prefix(prefix)?)))
    {
        // `field: message`, the field tracked by axum.
        return match rest.split_once(": ") {
            Some((field, message)) => format!("{prefix}{field}: {}", crate::redact::message(message)),
            None => format!("{prefix}{}", crate::redact::message(rest)),
        };
    }
    let Some(rest) = text.strip_prefix("Invalid URL: ") else {
        return text.to_owned();
    };
    // The value is quoted as it is: only the last separator is axum's own.
    let parsed = if let Some(rest) = rest.strip_prefix("Cannot parse value at index ") {
        rest.split_once(" with value `").and_then(|(index, value_on)| {
            let (_, expected) = value_on.rsplit_once("` to a `")?;
            Some(format!(
                "cannot parse the value at index {index} to a `{expected}"
            ))
        })
    } else if let Some(rest) = rest.strip_prefix("Cannot parse `") {
        match rest.split_once("` with value `") {
            Some((key, value_on)) => value_on
                .rsplit_once("` to a `")
                .map(|(_, expected)| format!("cannot parse `{key}` to a `{expected}"))
                .or_else(|| {
                    let (_, message) = value_on.rsplit_once("`: ")?;
                    Some(format!(
                        "cannot parse `{key}`: {}",
                        crate::redact::message(message)
                    ))
                }),
            None => rest
                .rsplit_once("` to a `")
                .map(|(_, expected)| format!("cannot parse the value to a `{expected}")),
        }
    } else if rest.starts_with("Invalid UTF-8 in `") {
        Some(rest.to_owned())
    } else {
        Some(crate::redact::message(rest).into_owned())
    };
    format!(
        "Invalid URL: {}",
        parsed.unwrap_or_else(|| "a path parameter does not parse".to_owned())
    )
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

#[cfg(test)]
mod tests {
    use super::without_values;

    #[test]
    fn axum_rejections_lose_the_request_s_values() {
        let cases = [
            ("Invalid URL: Cannot parse `4111` to a `u32`", "Invalid URL: cannot parse the value to a `u32`"),
            (
                "Invalid URL: Cannot parse `id` with value `4111` to a `u32`",
                "Invalid URL: cannot parse `id` to a `u32`",
            ),
            (
                "Invalid URL: Cannot parse value at index 1 with value `a` to a `a` to a `u8`",
                "Invalid URL: cannot parse the value at index 1 to a `u8`",
            ),
            (
                "Invalid URL: Cannot parse `id` with value `4111`: invalid type: string \"4111\", expected u8",
                "Invalid URL: cannot parse `id`: invalid type: string, expected u8",
            ),
            (
                "Failed to deserialize query string: state: unknown variant `4111`, expected `open` or `done`",
                "Failed to deserialize query string: state: unknown variant, expected `open` or `done`",
            ),
            (
                "Failed to deserialize query string: n: invalid digit found in string",
                "Failed to deserialize query string: n: invalid digit found in string",
            ),
            (
                "Failed to deserialize form: note: 4111 fails the Luhn check",
                "Failed to deserialize form: note: the value does not fit its type",
            ),
            ("Invalid URL: Invalid UTF-8 in `id`", "Invalid URL: Invalid UTF-8 in `id`"),
            ("the todo list is full", "the todo list is full"),
        ];
        for (text, expected) in cases {
            let shown = without_values(text);
            assert!(shown.starts_with(expected), "{text} -> {shown}");
            assert!(!shown.contains("4111"), "{shown}");
        }
    }
}
