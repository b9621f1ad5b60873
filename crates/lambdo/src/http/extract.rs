//! HTTP extractors for what only Lambda knows: its context, the API Gateway/ALB request
//! context, and the claims an authorizer verified.

use std::collections::HashMap;

use aws_lambda_events::{
    alb::AlbTargetGroupRequestContext,
    apigw::{ApiGatewayProxyRequestContext, ApiGatewayV2httpRequestContext},
};
use axum::extract::{FromRequestParts, OptionalFromRequestParts};
use bytes::Bytes;
use http::{request::Parts, StatusCode};
use lambda_http::request::RequestContext as AnyRequestContext;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use super::{HttpPayload, Problem};
use crate::Context;

/// What lambdo attaches to every request it routes, as one extension (each extension
/// is an allocation and a hash-map entry, made and dropped per request).
#[derive(Debug, Clone)]
pub(crate) struct LambdaRequest {
    pub(crate) context: Context,
    /// `None` locally, where no API Gateway or ALB sent the request.
    pub(crate) request_context: Option<RawRequestContext>,
}

/// The event's `requestContext`, kept as raw JSON (a slice of the event, no copy) until
/// a handler asks for it: most routes never do.
#[derive(Debug, Clone)]
pub(crate) struct RawRequestContext {
    pub(crate) payload: HttpPayload,
    pub(crate) json: Bytes,
}

impl RawRequestContext {
    fn decode(&self) -> Result<AnyRequestContext, serde_json::Error> {
        Ok(match self.payload {
            HttpPayload::RestV1 => AnyRequestContext::ApiGatewayV1(serde_json::from_slice::<
                ApiGatewayProxyRequestContext,
            >(&self.json)?),
            HttpPayload::HttpV2 => AnyRequestContext::ApiGatewayV2(serde_json::from_slice::<
                ApiGatewayV2httpRequestContext,
            >(&self.json)?),
            HttpPayload::Alb => AnyRequestContext::Alb(
                serde_json::from_slice::<AlbTargetGroupRequestContext>(&self.json)?,
            ),
        })
    }
}

fn request_context(parts: &Parts) -> Result<Option<AnyRequestContext>, Problem> {
    let Some(raw) = parts
        .extensions
        .get::<LambdaRequest>()
        .and_then(|request| request.request_context.as_ref())
    else {
        return Ok(None);
    };
    raw.decode().map(Some).map_err(|err| {
        Problem::internal(format!(
            "the event's requestContext does not decode: {}",
            crate::redact::serde_error(err)
        ))
    })
}

/// The Lambda invocation context (request id, deadline, function ARN…) in an HTTP route.
///
/// In local mode lambdo makes one per request, with a fresh request id and the default
/// deadline.
///
/// ```
/// use lambdo::http::LambdaContext;
///
/// async fn whoami(LambdaContext(context): LambdaContext) -> String {
///     context.request_id
/// }
/// let _router: axum::Router = axum::Router::new().route("/whoami", axum::routing::get(whoami));
/// ```
#[derive(Debug, Clone)]
pub struct LambdaContext(pub Context);

impl<S: Send + Sync> FromRequestParts<S> for LambdaContext {
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        parts
            .extensions
            .get::<LambdaRequest>()
            .map(|request| LambdaContext(request.context.clone()))
            .ok_or_else(|| Problem::internal("LambdaContext used on a router that lambdo does not serve"))
    }
}

/// The request context API Gateway or the ALB sent with the request (stage, request id,
/// source IP, authorizer…), as `lambda_http` models it.
///
/// Absent in local mode: ask for `Option<RequestContext>` where a route must also work
/// there.
///
/// ```
/// use lambdo::http::RequestContext;
///
/// async fn stage(context: Option<RequestContext>) -> String {
///     match context.map(|RequestContext(context)| context) {
///         Some(lambda_http::request::RequestContext::ApiGatewayV2(v2)) => v2.stage.unwrap_or_default(),
///         _ => "local".to_owned(),
///     }
/// }
/// let _router: axum::Router = axum::Router::new().route("/stage", axum::routing::get(stage));
/// ```
#[derive(Debug, Clone)]
pub struct RequestContext(pub AnyRequestContext);

impl<S: Send + Sync> FromRequestParts<S> for RequestContext {
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        <Self as OptionalFromRequestParts<S>>::from_request_parts(parts, state)
            .await?
            .ok_or_else(|| {
                Problem::internal("no Lambda request context: the request did not come through Lambda")
            })
    }
}

impl<S: Send + Sync> OptionalFromRequestParts<S> for RequestContext {
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Option<Self>, Self::Rejection> {
        Ok(request_context(parts)?.map(RequestContext))
    }
}

/// The claims an authorizer verified, decoded into `T`.
///
/// Read from the HTTP API JWT authorizer (`requestContext.authorizer.jwt.claims`), an
/// HTTP API Lambda authorizer's context (`authorizer.lambda`), a REST API Cognito user
/// pool authorizer (`authorizer.claims`) or a REST Lambda authorizer's context
/// (`authorizer`). No authorizer data is a 401; claims that do not fit `T` are a 403
/// naming the claim. Note that API Gateway passes JWT claims as strings.
///
/// ```
/// use lambdo::http::Claims;
///
/// #[derive(serde::Deserialize)]
/// struct User { sub: String, email: String }
///
/// async fn me(Claims(user): Claims<User>) -> String {
///     format!("{} <{}>", user.sub, user.email)
/// }
/// let _router: axum::Router = axum::Router::new().route("/me", axum::routing::get(me));
/// ```
#[derive(Debug, Clone)]
pub struct Claims<T>(pub T);

impl<S, T> FromRequestParts<S> for Claims<T>
where
    S: Send + Sync,
    T: DeserializeOwned,
{
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let claims = request_context(parts)?
            .as_ref()
            .and_then(authorizer_claims)
            .ok_or_else(|| {
                Problem::new(StatusCode::UNAUTHORIZED).with_detail("the request carries no authorizer claims")
            })?;
        serde_path_to_error::deserialize(Value::Object(claims))
            .map(Claims)
            .map_err(|err| {
                Problem::new(StatusCode::FORBIDDEN).with_detail(format!(
                    "the authorizer claims do not fit at `{}`: {}",
                    err.path(),
                    crate::redact::message(&err.inner().to_string())
                ))
            })
    }
}

fn authorizer_claims(context: &AnyRequestContext) -> Option<Map<String, Value>> {
    let authorizer = match context {
        AnyRequestContext::ApiGatewayV1(v1) => Some(&v1.authorizer),
        AnyRequestContext::ApiGatewayV2(v2) => v2.authorizer.as_ref(),
        _ => None,
    }?;
    if let Some(jwt) = authorizer.jwt.as_ref().filter(|jwt| !jwt.claims.is_empty()) {
        return Some(strings_to_map(&jwt.claims));
    }
    // REST Cognito user pool authorizers nest the token's claims under `claims`.
    if let Some(Value::Object(claims)) = authorizer.fields.get("claims") {
        return Some(claims.clone());
    }
    if authorizer.fields.is_empty() {
        return None;
    }
    Some(
        authorizer
            .fields
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect(),
    )
}

fn strings_to_map(claims: &HashMap<String, String>) -> Map<String, Value> {
    claims
        .iter()
        .map(|(k, v)| (k.clone(), Value::String(v.clone())))
        .collect()
}
