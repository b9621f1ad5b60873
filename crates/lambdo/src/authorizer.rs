//! API Gateway Lambda authorizers: REST API TOKEN and REQUEST authorizers, HTTP API
//! authorizers (payload formats 1.0 and 2.0) and WebSocket API `$connect` authorizers.
//!
//! Register a handler with [`App::authorizer`](crate::App::authorizer). Its last
//! argument is an [`AuthorizerRequest`] (the request to authorize, in the form its API
//! sends it); it returns an [`Authorization`]: an IAM policy that allows or denies the
//! method or route ([`Authorization::allow`], [`Authorization::deny`]), or for HTTP
//! APIs with simple responses enabled, [`Authorization::simple`]. Values in
//! [`Authorization::with_context`] reach the backend as the request context's
//! `authorizer` entry (for lambdo routes: the [`Claims`](crate::http::Claims)
//! extractor).
//!
//! To refuse a REST API caller with the 401 API Gateway answers to a missing or bad
//! token, return [`Unauthorized`]: the invocation fails with the message API Gateway
//! looks for. Any other error makes API Gateway answer 500; an authorizer is never
//! answered with an HTTP response.
//!
//! ```
//! use lambdo::{authorizer::{Authorization, AuthorizerRequest, Unauthorized}, App};
//!
//! async fn authorize(request: AuthorizerRequest) -> Result<Authorization, Unauthorized> {
//!     match request.token() {
//!         Some("Bearer let-me-in") => Ok(Authorization::allow("user-1", request.resource_arn())
//!             .with_context("tier", "gold")),
//!         Some(_) => Ok(Authorization::deny("anonymous", request.resource_arn())),
//!         None => Err(Unauthorized),
//!     }
//! }
//!
//! let app = App::new(()).authorizer(authorize);
//! # let _ = app;
//! ```

use aws_lambda_events::{
    apigw::{
        ApiGatewayCustomAuthorizerPolicy, ApiGatewayCustomAuthorizerRequest,
        ApiGatewayCustomAuthorizerRequestTypeRequest, ApiGatewayCustomAuthorizerResponse,
        ApiGatewayV2CustomAuthorizerSimpleResponse, ApiGatewayV2CustomAuthorizerV1Request,
        ApiGatewayV2CustomAuthorizerV2Request,
    },
    iam::{IamPolicyEffect, IamPolicyStatement},
};
use bytes::Bytes;
use serde_json::{value::RawValue, Map, Value as Json};

use crate::{
    handler::{erase, ErasedHandler},
    source::{json_answer, EventReader, ReadError, Source, SourceFuture, Value},
    text::Text,
    BoxError, Context, Error, FromPayload, Handler,
};

/// A request to authorize, as its API sends it.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum AuthorizerRequest {
    /// A REST API TOKEN authorizer's: the token and the method.
    Token(ApiGatewayCustomAuthorizerRequest),
    /// A REST API (or WebSocket API `$connect`) REQUEST authorizer's: the whole request.
    Request(Box<ApiGatewayCustomAuthorizerRequestTypeRequest>),
    /// An HTTP API authorizer's, payload format 1.0.
    HttpV1(Box<ApiGatewayV2CustomAuthorizerV1Request>),
    /// An HTTP API authorizer's, payload format 2.0.
    HttpV2(Box<ApiGatewayV2CustomAuthorizerV2Request>),
}

impl AuthorizerRequest {
    /// The ARN of the method (`methodArn`) or route (`routeArn`) to authorize: what a
    /// policy allows or denies.
    ///
    /// ```
    /// # use lambdo::authorizer::AuthorizerRequest;
    /// fn arn(request: &AuthorizerRequest) -> &str { request.resource_arn() }
    /// ```
    pub fn resource_arn(&self) -> &str {
        let arn = match self {
            AuthorizerRequest::Token(request) => &request.method_arn,
            AuthorizerRequest::Request(request) => &request.method_arn,
            AuthorizerRequest::HttpV1(request) => &request.method_arn,
            AuthorizerRequest::HttpV2(request) => &request.route_arn,
        };
        arn.as_deref().unwrap_or_default()
    }

    /// The caller's token: `authorizationToken` where the API sends one (TOKEN, HTTP
    /// API 1.0), else the `Authorization` header.
    ///
    /// ```
    /// # use lambdo::authorizer::AuthorizerRequest;
    /// fn bearer(request: &AuthorizerRequest) -> Option<&str> {
    ///     request.token()?.strip_prefix("Bearer ")
    /// }
    /// ```
    pub fn token(&self) -> Option<&str> {
        let token = match self {
            AuthorizerRequest::Token(request) => request.authorization_token.as_deref(),
            AuthorizerRequest::HttpV1(request) => request.authorization_token.as_deref(),
            AuthorizerRequest::Request(_) | AuthorizerRequest::HttpV2(_) => None,
        };
        token.or_else(|| self.header("authorization"))
    }

    /// A header of the request (not in TOKEN requests, which carry only the token).
    ///
    /// ```
    /// # use lambdo::authorizer::AuthorizerRequest;
    /// fn api_key(request: &AuthorizerRequest) -> Option<&str> { request.header("x-api-key") }
    /// ```
    pub fn header(&self, name: &str) -> Option<&str> {
        let headers = match self {
            AuthorizerRequest::Token(_) => return None,
            AuthorizerRequest::Request(request) => &request.headers,
            AuthorizerRequest::HttpV1(request) => &request.headers,
            AuthorizerRequest::HttpV2(request) => &request.headers,
        };
        headers.get(name)?.to_str().ok()
    }
}

impl<S> FromPayload<S, AuthorizerRequest> for AuthorizerRequest {
    fn from_payload(request: AuthorizerRequest, _context: &Context, _state: &S) -> Result<Self, Error> {
        Ok(request)
    }
}

/// What an authorizer answers: an IAM policy for the method or route, or (HTTP APIs
/// with simple responses enabled) whether the caller is authorized.
///
/// ```
/// use lambdo::authorizer::Authorization;
///
/// let arn = "arn:aws:execute-api:eu-central-1:123456789012:abc123/prod/GET/todos";
/// let allowed = Authorization::allow("user-1", arn).with_context("plan", "pro").with_context("seats", 5);
/// let answer = allowed.to_json().unwrap();
/// assert_eq!(answer["policyDocument"]["Statement"][0]["Effect"], "Allow");
/// assert_eq!(answer["context"]["seats"], 5);
/// assert_eq!(Authorization::simple(false).to_json().unwrap()["isAuthorized"], false);
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Authorization {
    answer: Answer,
    context: Map<String, Json>,
}

#[derive(Debug, Clone, PartialEq)]
enum Answer {
    Policy {
        principal_id: String,
        statements: Vec<IamPolicyStatement>,
        usage_identifier_key: Option<String>,
    },
    Simple {
        authorized: bool,
    },
}

/// A value of an authorizer's context: API Gateway passes strings, numbers and
/// booleans on.
#[derive(Debug, Clone, PartialEq)]
pub struct ContextValue(Json);

impl From<&str> for ContextValue {
    fn from(text: &str) -> Self {
        ContextValue(Json::from(text))
    }
}

impl From<String> for ContextValue {
    fn from(text: String) -> Self {
        ContextValue(Json::from(text))
    }
}

impl From<bool> for ContextValue {
    fn from(value: bool) -> Self {
        ContextValue(Json::from(value))
    }
}

impl From<i64> for ContextValue {
    fn from(number: i64) -> Self {
        ContextValue(Json::from(number))
    }
}

impl From<i32> for ContextValue {
    fn from(number: i32) -> Self {
        ContextValue(Json::from(number))
    }
}

impl From<f64> for ContextValue {
    fn from(number: f64) -> Self {
        ContextValue(Json::from(number))
    }
}

impl Authorization {
    /// A policy that allows `principal_id` to invoke `resource_arn` (the request's
    /// [`AuthorizerRequest::resource_arn`], or a wider ARN with `*`).
    pub fn allow(principal_id: impl Into<String>, resource_arn: impl Into<String>) -> Self {
        Authorization::policy(principal_id.into(), IamPolicyEffect::Allow, resource_arn.into())
    }

    /// A policy that denies `principal_id` `resource_arn`: API Gateway answers 403.
    pub fn deny(principal_id: impl Into<String>, resource_arn: impl Into<String>) -> Self {
        Authorization::policy(principal_id.into(), IamPolicyEffect::Deny, resource_arn.into())
    }

    /// An HTTP API simple response (`enableSimpleResponses`): authorized or not (403).
    pub fn simple(authorized: bool) -> Self {
        Authorization {
            answer: Answer::Simple { authorized },
            context: Map::new(),
        }
    }

    fn policy(principal_id: String, effect: IamPolicyEffect, resource_arn: String) -> Self {
        let mut statement = IamPolicyStatement::default();
        statement.action = vec!["execute-api:Invoke".to_owned()];
        statement.effect = effect;
        statement.resource = vec![resource_arn];
        Authorization {
            answer: Answer::Policy {
                principal_id,
                statements: vec![statement],
                usage_identifier_key: None,
            },
            context: Map::new(),
        }
    }

    /// Adds a statement of `effect` for `resource_arn` to a policy (ignored by simple
    /// responses, which have none).
    ///
    /// ```
    /// use lambdo::authorizer::Authorization;
    ///
    /// let arn = "arn:aws:execute-api:eu-central-1:123456789012:abc123/prod";
    /// let answer = Authorization::allow("u", format!("{arn}/GET/*"))
    ///     .and_deny(format!("{arn}/DELETE/*"))
    ///     .to_json()
    ///     .unwrap();
    /// assert_eq!(answer["policyDocument"]["Statement"][1]["Effect"], "Deny");
    /// ```
    pub fn and_allow(self, resource_arn: impl Into<String>) -> Self {
        self.and(IamPolicyEffect::Allow, resource_arn.into())
    }

    /// Adds a statement that denies `resource_arn` (see [`Authorization::and_allow`]).
    pub fn and_deny(self, resource_arn: impl Into<String>) -> Self {
        self.and(IamPolicyEffect::Deny, resource_arn.into())
    }

    fn and(mut self, effect: IamPolicyEffect, resource_arn: String) -> Self {
        if let Answer::Policy { statements, .. } = &mut self.answer {
            let mut statement = IamPolicyStatement::default();
            statement.action = vec!["execute-api:Invoke".to_owned()];
            statement.effect = effect;
            statement.resource = vec![resource_arn];
            statements.push(statement);
        }
        self
    }

    /// A value the backend gets in the request context's `authorizer` entry.
    pub fn with_context(mut self, key: impl Into<String>, value: impl Into<ContextValue>) -> Self {
        self.context.insert(key.into(), value.into().0);
        self
    }

    /// The API key of a usage plan (`usageIdentifierKey`, for REST APIs whose API key
    /// source is the authorizer).
    ///
    /// ```
    /// let answer = lambdo::authorizer::Authorization::allow("u", "arn")
    ///     .with_usage_identifier_key("key-1")
    ///     .to_json()
    ///     .unwrap();
    /// assert_eq!(answer["usageIdentifierKey"], "key-1");
    /// ```
    pub fn with_usage_identifier_key(mut self, key: impl Into<String>) -> Self {
        if let Answer::Policy {
            usage_identifier_key, ..
        } = &mut self.answer
        {
            *usage_identifier_key = Some(key.into());
        }
        self
    }

    /// The answer as API Gateway reads it.
    pub fn to_json(&self) -> Result<Json, Error> {
        serde_json::from_str(self.to_raw()?.get()).map_err(Error::Encode)
    }

    fn to_raw(&self) -> Result<Box<RawValue>, Error> {
        let context = Json::Object(self.context.clone());
        let raw = match &self.answer {
            Answer::Policy {
                principal_id,
                statements,
                usage_identifier_key,
            } => {
                let mut policy = ApiGatewayCustomAuthorizerPolicy::default();
                policy.version = Some("2012-10-17".to_owned());
                policy.statement = statements.clone();
                let mut response = ApiGatewayCustomAuthorizerResponse::<Json>::default();
                response.principal_id = Some(principal_id.clone());
                response.policy_document = policy;
                response.context = context;
                response.usage_identifier_key = usage_identifier_key.clone();
                serde_json::value::to_raw_value(&response)
            }
            Answer::Simple { authorized } => {
                let mut response = ApiGatewayV2CustomAuthorizerSimpleResponse::<Json>::default();
                response.is_authorized = *authorized;
                response.context = context;
                serde_json::value::to_raw_value(&response)
            }
        };
        raw.map_err(Error::Encode)
    }
}

/// The error that makes API Gateway answer a REST API caller 401 Unauthorized: the
/// invocation fails with the message `Unauthorized`, which API Gateway looks for.
///
/// ```
/// let error = lambdo::Error::handler(lambdo::authorizer::Unauthorized);
/// assert_eq!(error.to_string(), "Unauthorized");
/// assert_eq!(error.error_type(), "Lambdo.Unauthorized");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Unauthorized;

impl std::fmt::Display for Unauthorized {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Unauthorized")
    }
}

/// A [`FunctionError`](crate::FunctionError) of type `Lambdo.Unauthorized` (which is
/// why `Unauthorized` is no `std::error::Error` itself).
impl From<Unauthorized> for BoxError {
    fn from(unauthorized: Unauthorized) -> Self {
        Box::new(crate::FunctionError::new(
            "Lambdo.Unauthorized",
            unauthorized.to_string(),
        ))
    }
}

/// What an authorizer handler may return: `Result<Authorization, E>`.
#[diagnostic::on_unimplemented(
    message = "an authorizer cannot answer `{Self}`",
    label = "the handler's return type",
    note = "return `Result<Authorization, E>` with `E: Into<BoxError>` (`Err(Unauthorized)` for API Gateway's 401)"
)]
pub trait IntoAuthorization {
    /// The answer, or the error that fails the invocation.
    fn into_authorization(self) -> Result<Authorization, Error>;
}

impl<E: Into<BoxError>> IntoAuthorization for Result<Authorization, E> {
    fn into_authorization(self) -> Result<Authorization, Error> {
        self.map_err(Error::handler)
    }
}

/// The registered authorizer handler.
pub(crate) struct Authorizer<S> {
    handler: ErasedHandler<S, AuthorizerRequest, Box<RawValue>>,
}

impl<S: Send + Sync + 'static> Authorizer<S> {
    pub(crate) fn new<H, Args>(handler: H) -> Self
    where
        H: Handler<Args, S, AuthorizerRequest>,
        H::Output: IntoAuthorization,
        Args: 'static,
    {
        Authorizer {
            handler: erase(handler, |output| output.into_authorization()?.to_raw()),
        }
    }
}

/// The keys that tell an authorizer's request apart.
const KEYS: &[&str] = &["type", "methodArn", "routeArn", "version"];

impl<S: Send + Sync + 'static> Source<S> for Authorizer<S> {
    fn names(&self) -> &[&'static str] {
        &["authorizer"]
    }

    fn keys(&self) -> &'static [&'static str] {
        KEYS
    }

    fn reader<'e>(&'e self, _event: &'e [u8]) -> Box<dyn EventReader<'e, S> + 'e> {
        Box::new(AuthorizerReader {
            authorizer: self,
            kind: None,
            method_arn: false,
            route_arn: false,
            version: None,
        })
    }
}

struct AuthorizerReader<'e, S> {
    authorizer: &'e Authorizer<S>,
    /// `type`: `TOKEN` or `REQUEST`.
    kind: Option<Text<'e>>,
    method_arn: bool,
    route_arn: bool,
    version: Option<Text<'e>>,
}

impl<'e, S: Send + Sync + 'static> EventReader<'e, S> for AuthorizerReader<'e, S> {
    fn read(&mut self, key: &str, value: Value<'_, 'e>) -> Result<(), ReadError> {
        match key {
            "type" => self.kind = value.text_field()?.value(),
            "methodArn" => self.method_arn = value.text_field()?.value().is_some(),
            "routeArn" => self.route_arn = value.text_field()?.value().is_some(),
            "version" => self.version = value.text_field()?.value(),
            _ => {}
        }
        Ok(())
    }

    fn claims(&mut self) -> bool {
        let kind = self.kind.as_ref().map(Text::as_str);
        matches!(kind, Some("TOKEN" | "REQUEST")) && (self.method_arn || self.route_arn)
    }

    fn handle(self: Box<Self>, event: &'e Bytes, context: Context, state: &'e S) -> SourceFuture<'e> {
        let version = self.version.as_ref().map(Text::as_str);
        let request = match (self.kind.as_ref().map(Text::as_str), version) {
            (Some("TOKEN"), _) => {
                Error::decode(event, "a TOKEN authorizer request").map(AuthorizerRequest::Token)
            }
            (_, Some("2.0")) => Error::decode(event, "an HTTP API authorizer request (payload 2.0)")
                .map(|request| AuthorizerRequest::HttpV2(Box::new(request))),
            (_, Some("1.0")) => Error::decode(event, "an HTTP API authorizer request (payload 1.0)")
                .map(|request| AuthorizerRequest::HttpV1(Box::new(request))),
            _ => Error::decode(event, "a REQUEST authorizer request")
                .map(|request| AuthorizerRequest::Request(Box::new(request))),
        };
        match request {
            Ok(request) => json_answer((self.authorizer.handler)(request, &context, state)),
            Err(error) => Box::pin(std::future::ready(Err(error))),
        }
    }
}
