//! HTTP events (API Gateway REST v1, HTTP API v2, ALB, Function URLs) into `http::Request`.
//!
//! `lambda_http` finds the payload version by trying each shape in turn (up to four full
//! parses). lambdo already knows the version from its one probe of the event
//! ([`crate::source::EventShape`]), so it parses the event once, straight into its
//! `aws_lambda_events` struct, and then reuses `lambda_http`'s conversion into a request.

use aws_lambda_events::{
    alb::AlbTargetGroupRequest,
    apigw::{ApiGatewayProxyRequest, ApiGatewayV2httpRequest},
};
use axum::body::Body;
use http::{uri::PathAndQuery, Request, Uri};
use lambda_http::request::{LambdaRequest, RequestContext};

use crate::Error;

/// Which HTTP payload an event is, as detected by the event probe.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum HttpPayload {
    /// API Gateway REST API (payload format 1.0).
    RestV1,
    /// API Gateway HTTP API (payload format 2.0) and Lambda Function URLs.
    HttpV2,
    /// Application Load Balancer target group.
    Alb,
}

/// How the response must be written so the caller accepts it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ResponseFormat {
    /// `multiValueHeaders` (REST APIs and payload format 1.0).
    RestV1,
    /// `headers` with `cookies` split out (HTTP APIs 2.0, Function URLs).
    HttpV2,
    /// ALB, in the header style the target group uses.
    Alb {
        /// The target group has multi-value headers enabled.
        multi_value: bool,
    },
}

/// Parses the event once and converts it into a request for the router.
pub(crate) fn into_request(
    payload: HttpPayload,
    bytes: &[u8],
) -> Result<(Request<Body>, ResponseFormat), Error> {
    let (lambda_request, format) = match payload {
        HttpPayload::RestV1 => {
            let event: ApiGatewayProxyRequest = Error::decode(bytes, "an API Gateway REST (v1) event")?;
            (LambdaRequest::ApiGatewayV1(event), ResponseFormat::RestV1)
        }
        HttpPayload::HttpV2 => {
            let event: ApiGatewayV2httpRequest =
                Error::decode(bytes, "an API Gateway HTTP API (v2) or Function URL event")?;
            (LambdaRequest::ApiGatewayV2(event), ResponseFormat::HttpV2)
        }
        HttpPayload::Alb => {
            let event: AlbTargetGroupRequest = Error::decode(bytes, "an ALB target group event")?;
            let multi_value = !event.multi_value_headers.is_empty();
            (LambdaRequest::Alb(event), ResponseFormat::Alb { multi_value })
        }
    };
    let request: Request<lambda_http::Body> = lambda_request.into();
    let (mut parts, body) = request.into_parts();
    if let Some(stage) = named_stage(parts.extensions.get::<RequestContext>()) {
        parts.uri = strip_stage(&parts.uri, stage);
    }
    let body = match body {
        lambda_http::Body::Empty => Body::empty(),
        lambda_http::Body::Text(text) => Body::from(text),
        lambda_http::Body::Binary(bytes) => Body::from(bytes),
        _ => Body::empty(),
    };
    Ok((Request::from_parts(parts, body), format))
}

/// The stage name that prefixes request paths, when it is a named (non-`$default`) stage.
fn named_stage(context: Option<&RequestContext>) -> Option<&str> {
    let stage = match context? {
        RequestContext::ApiGatewayV1(context) => context.stage.as_deref(),
        RequestContext::ApiGatewayV2(context) => context.stage.as_deref(),
        _ => None,
    }?;
    (!stage.is_empty() && stage != "$default").then_some(stage)
}

/// Routes are written without the stage: `/prod/todos/1` on stage `prod` is `/todos/1`.
fn strip_stage(uri: &Uri, stage: &str) -> Uri {
    let path = uri.path();
    let rest = match path.strip_prefix('/').and_then(|p| p.strip_prefix(stage)) {
        Some("") => "/",
        Some(rest) if rest.starts_with('/') => rest,
        _ => return uri.clone(),
    };
    let path_and_query = match uri.query() {
        Some(query) => format!("{rest}?{query}"),
        None => rest.to_owned(),
    };
    let mut parts = uri.clone().into_parts();
    parts.path_and_query = PathAndQuery::try_from(path_and_query).ok();
    Uri::from_parts(parts).unwrap_or_else(|_| uri.clone())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strips_only_a_whole_leading_stage_segment() {
        let uri: Uri = "https://api.example.com/prod/todos/1?x=1".parse().unwrap();
        assert_eq!(
            strip_stage(&uri, "prod").to_string(),
            "https://api.example.com/todos/1?x=1"
        );
        let uri: Uri = "https://api.example.com/prod".parse().unwrap();
        assert_eq!(strip_stage(&uri, "prod").path(), "/");
        let uri: Uri = "https://api.example.com/production/x".parse().unwrap();
        assert_eq!(strip_stage(&uri, "prod").path(), "/production/x");
        let uri: Uri = "/todos".parse().unwrap();
        assert_eq!(strip_stage(&uri, "prod").path(), "/todos");
    }
}
