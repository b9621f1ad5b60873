//! RFC 9457 problem details: the body of every error response lambdo writes.

use axum::response::{IntoResponse, Response};
use http::{header, HeaderValue, StatusCode};
use serde::Serialize;
use serde_json::{Map, Value};

/// The media type of problem responses.
pub const PROBLEM_JSON: &str = "application/problem+json";

/// An `application/problem+json` response (RFC 9457).
///
/// Return it (or `Result<_, Problem>`) from an HTTP handler. Server errors (5xx) keep
/// their detail out of the response: the detail and extensions go to the log, the
/// client sees only the status and its title.
///
/// ```
/// use axum::response::IntoResponse;
/// use lambdo::http::Problem;
///
/// let response = Problem::not_found("todo 42 does not exist").into_response();
/// assert_eq!(response.status(), 404);
/// assert_eq!(response.headers()["content-type"], "application/problem+json");
/// ```
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(transparent)]
pub struct Problem {
    // Boxed so `Result<T, Problem>` stays one pointer wide on the error side.
    body: Box<ProblemBody>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
struct ProblemBody {
    #[serde(rename = "type")]
    problem_type: String,
    title: String,
    status: u16,
    #[serde(skip_serializing_if = "Option::is_none")]
    detail: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    instance: Option<String>,
    #[serde(flatten)]
    extensions: Map<String, Value>,
}

impl Problem {
    /// A problem with `status`, titled by the status's reason phrase.
    ///
    /// ```
    /// let problem = lambdo::http::Problem::new(http::StatusCode::CONFLICT);
    /// assert_eq!(problem.title(), "Conflict");
    /// ```
    pub fn new(status: StatusCode) -> Self {
        Problem {
            body: Box::new(ProblemBody {
                problem_type: "about:blank".to_owned(),
                title: status.canonical_reason().unwrap_or("Error").to_owned(),
                status: status.as_u16(),
                detail: None,
                instance: None,
                extensions: Map::new(),
            }),
        }
    }

    /// 400 Bad Request with a detail.
    ///
    /// ```
    /// assert_eq!(lambdo::http::Problem::bad_request("no title").status(), 400);
    /// ```
    pub fn bad_request(detail: impl Into<String>) -> Self {
        Problem::new(StatusCode::BAD_REQUEST).with_detail(detail)
    }

    /// 404 Not Found with a detail.
    ///
    /// ```
    /// assert_eq!(lambdo::http::Problem::not_found("no todo 7").status(), 404);
    /// ```
    pub fn not_found(detail: impl Into<String>) -> Self {
        Problem::new(StatusCode::NOT_FOUND).with_detail(detail)
    }

    /// 409 Conflict with a detail.
    ///
    /// ```
    /// assert_eq!(lambdo::http::Problem::conflict("stale version").status(), 409);
    /// ```
    pub fn conflict(detail: impl Into<String>) -> Self {
        Problem::new(StatusCode::CONFLICT).with_detail(detail)
    }

    /// 422 Unprocessable Content with a detail.
    ///
    /// ```
    /// assert_eq!(lambdo::http::Problem::unprocessable("title is empty").status(), 422);
    /// ```
    pub fn unprocessable(detail: impl Into<String>) -> Self {
        Problem::new(StatusCode::UNPROCESSABLE_ENTITY).with_detail(detail)
    }

    /// 500 Internal Server Error: `error` goes to the log, never to the client.
    ///
    /// ```
    /// let problem = lambdo::http::Problem::internal("connection to db-7.internal refused");
    /// let body = serde_json::to_string(&problem).unwrap();
    /// assert!(!body.contains("db-7"));
    /// ```
    pub fn internal(error: impl std::fmt::Display) -> Self {
        tracing::error!(error = %error, "internal error answered with a 500 problem");
        Problem::new(StatusCode::INTERNAL_SERVER_ERROR)
    }

    /// Sets the human-readable explanation of this occurrence.
    ///
    /// ```
    /// let problem = lambdo::http::Problem::new(http::StatusCode::GONE).with_detail("archived on 1 May");
    /// assert_eq!(problem.detail(), Some("archived on 1 May"));
    /// ```
    pub fn with_detail(mut self, detail: impl Into<String>) -> Self {
        self.body.detail = Some(detail.into());
        self
    }

    /// Sets the problem type URI (default `about:blank`).
    ///
    /// ```
    /// let problem = lambdo::http::Problem::conflict("taken")
    ///     .with_type("https://example.com/problems/name-taken");
    /// # let _ = problem;
    /// ```
    pub fn with_type(mut self, problem_type: impl Into<String>) -> Self {
        self.body.problem_type = problem_type.into();
        self
    }

    /// Sets the title (default: the status's reason phrase).
    ///
    /// ```
    /// let problem = lambdo::http::Problem::conflict("v3 is current").with_title("Stale version");
    /// assert_eq!(problem.title(), "Stale version");
    /// ```
    pub fn with_title(mut self, title: impl Into<String>) -> Self {
        self.body.title = title.into();
        self
    }

    /// Sets the URI of this occurrence.
    ///
    /// ```
    /// let problem = lambdo::http::Problem::not_found("no such todo").with_instance("/todos/7");
    /// assert_eq!(serde_json::to_value(&problem).unwrap()["instance"], "/todos/7");
    /// ```
    pub fn with_instance(mut self, instance: impl Into<String>) -> Self {
        self.body.instance = Some(instance.into());
        self
    }

    /// Adds an extension member (e.g. `"pointer"` for the field that failed).
    ///
    /// ```
    /// let problem = lambdo::http::Problem::unprocessable("too long")
    ///     .with_extension("pointer", "/title");
    /// assert_eq!(serde_json::to_value(&problem).unwrap()["pointer"], "/title");
    /// ```
    pub fn with_extension(mut self, key: impl Into<String>, value: impl Into<Value>) -> Self {
        self.body.extensions.insert(key.into(), value.into());
        self
    }

    /// The HTTP status.
    ///
    /// ```
    /// assert_eq!(lambdo::http::Problem::new(http::StatusCode::IM_A_TEAPOT).status(), 418);
    /// ```
    pub fn status(&self) -> u16 {
        self.body.status
    }

    /// The title.
    ///
    /// ```
    /// assert_eq!(lambdo::http::Problem::not_found("x").title(), "Not Found");
    /// ```
    pub fn title(&self) -> &str {
        &self.body.title
    }

    /// The detail, if any.
    ///
    /// ```
    /// assert_eq!(lambdo::http::Problem::not_found("no todo 7").detail(), Some("no todo 7"));
    /// ```
    pub fn detail(&self) -> Option<&str> {
        self.body.detail.as_deref()
    }

    /// Drops what a server error must not show a client, logging it first.
    fn redacted(mut self) -> Self {
        if self.body.status >= 500 && (self.body.detail.is_some() || !self.body.extensions.is_empty()) {
            let extensions = Value::Object(self.body.extensions.clone());
            tracing::error!(
                status = self.body.status,
                detail = self.body.detail.as_deref().unwrap_or_default(),
                extensions = %extensions,
                "server error detail withheld from the response"
            );
            self.body.detail = None;
            self.body.extensions.clear();
        }
        self
    }
}

impl IntoResponse for Problem {
    fn into_response(self) -> Response {
        let problem = self.redacted();
        let status = StatusCode::from_u16(problem.body.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let body = serde_json::to_vec(&problem).unwrap_or_else(|_| {
            format!(
                r#"{{"type":"about:blank","title":"Error","status":{}}}"#,
                status.as_u16()
            )
            .into_bytes()
        });
        let mut response = (status, body).into_response();
        response
            .headers_mut()
            .insert(header::CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON));
        response
    }
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}", self.body.status, self.body.title)?;
        if let Some(detail) = &self.body.detail {
            write!(f, ": {detail}")?;
        }
        Ok(())
    }
}

impl std::error::Error for Problem {}

#[cfg(test)]
mod tests {
    use super::*;
    use http_body_util::BodyExt;

    async fn body_of(problem: Problem) -> (StatusCode, Value) {
        let response = problem.into_response();
        let status = response.status();
        let bytes = response.into_body().collect().await.unwrap().to_bytes();
        (status, serde_json::from_slice(&bytes).unwrap())
    }

    #[tokio::test]
    async fn client_errors_keep_their_detail() {
        let (status, body) = body_of(Problem::unprocessable("bad").with_extension("pointer", "/a")).await;
        assert_eq!(status, 422);
        assert_eq!(body["title"], "Unprocessable Entity");
        assert_eq!(body["detail"], "bad");
        assert_eq!(body["pointer"], "/a");
        assert_eq!(body["type"], "about:blank");
    }

    #[tokio::test]
    async fn server_errors_drop_detail_and_extensions() {
        let problem = Problem::new(StatusCode::BAD_GATEWAY)
            .with_detail("upstream 10.0.0.7 said no")
            .with_extension("host", "10.0.0.7");
        let (status, body) = body_of(problem).await;
        assert_eq!(status, 502);
        assert_eq!(
            body,
            serde_json::json!({"type":"about:blank","title":"Bad Gateway","status":502})
        );
    }
}
