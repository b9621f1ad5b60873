//! Amazon Cognito user pool triggers, routed by `triggerSource`: pre sign-up, post
//! confirmation, pre and post authentication, pre token generation (payload versions
//! 1, and 2 and 3), custom message, define / create / verify auth challenge, user
//! migration.
//!
//! Register a handler per trigger with [`App::cognito`](crate::App::cognito). Its last
//! argument is the trigger's event as `aws_lambda_events` models it (re-exported here:
//! [`PreSignUp`], [`PreTokenGeneration`]…), and it returns the trigger's response part
//! ([`PreSignUpResponse`]…). Cognito expects the whole event back with its `response`
//! filled in: lambdo answers that. A failure fails the invocation, and Cognito refuses
//! the operation with the error's message (a sign-up, a sign-in).
//!
//! ```
//! use lambdo::{cognito::{PreSignUp, PreSignUpResponse}, App};
//!
//! async fn on_sign_up(event: PreSignUp) -> Result<PreSignUpResponse, lambdo::BoxError> {
//!     let email = event.request.user_attributes.get("email").cloned().unwrap_or_default();
//!     if !email.ends_with("@example.com") {
//!         return Err("sign-ups are for example.com addresses".into());
//!     }
//!     let mut response = PreSignUpResponse::default();
//!     response.auto_confirm_user = true;
//!     Ok(response)
//! }
//!
//! let app = App::new(()).cognito(on_sign_up);
//! # let _ = app;
//! ```

pub use aws_lambda_events::cognito::{
    CognitoEventUserPoolsCreateAuthChallenge as CreateAuthChallenge,
    CognitoEventUserPoolsCreateAuthChallengeResponse as CreateAuthChallengeResponse,
    CognitoEventUserPoolsCustomMessage as CustomMessage,
    CognitoEventUserPoolsCustomMessageResponse as CustomMessageResponse,
    CognitoEventUserPoolsDefineAuthChallenge as DefineAuthChallenge,
    CognitoEventUserPoolsDefineAuthChallengeResponse as DefineAuthChallengeResponse,
    CognitoEventUserPoolsMigrateUser as UserMigration,
    CognitoEventUserPoolsMigrateUserResponse as UserMigrationResponse,
    CognitoEventUserPoolsPostAuthentication as PostAuthentication,
    CognitoEventUserPoolsPostAuthenticationResponse as PostAuthenticationResponse,
    CognitoEventUserPoolsPostConfirmation as PostConfirmation,
    CognitoEventUserPoolsPostConfirmationResponse as PostConfirmationResponse,
    CognitoEventUserPoolsPreAuthentication as PreAuthentication,
    CognitoEventUserPoolsPreAuthenticationResponse as PreAuthenticationResponse,
    CognitoEventUserPoolsPreSignup as PreSignUp, CognitoEventUserPoolsPreSignupResponse as PreSignUpResponse,
    CognitoEventUserPoolsPreTokenGen as PreTokenGeneration,
    CognitoEventUserPoolsPreTokenGenResponse as PreTokenGenerationResponse,
    CognitoEventUserPoolsPreTokenGenResponseV2 as PreTokenGenerationV2Response,
    CognitoEventUserPoolsPreTokenGenV2 as PreTokenGenerationV2,
    CognitoEventUserPoolsVerifyAuthChallenge as VerifyAuthChallenge,
    CognitoEventUserPoolsVerifyAuthChallengeResponse as VerifyAuthChallengeResponse,
};
use bytes::Bytes;
use serde::{
    de::{DeserializeOwned, IgnoredAny},
    Serialize,
};
use serde_json::value::RawValue;

use crate::{
    handler::{erase, ErasedHandler},
    source::{read_json, Answer, EventReader, ReadError, Source, SourceFuture, Value},
    text::Text,
    BoxError, Context, Error, FromPayload, Handler,
};

/// A Cognito trigger's event: the `triggerSource`s it is sent for, and its response
/// part. Implemented for each trigger's event type of this module.
pub trait Trigger: DeserializeOwned + Send + 'static {
    /// The trigger's name, for [`Function::sources`](crate::Function::sources).
    const NAME: &'static str;
    /// The `triggerSource`s Cognito sends this event for.
    const SOURCES: &'static [&'static str];
    /// The event `version`s of this form of the event, which tell it apart when both
    /// forms of pre token generation are registered; `None`: any.
    const VERSIONS: Option<&'static [&'static str]> = None;
    /// What the handler answers, written into the event's `response`.
    type Response: Serialize + Send + 'static;
}

macro_rules! triggers {
    ($($event:ty => $response:ty, $name:literal, [$($source:literal),* $(,)?] $(, versions [$($version:literal),*])?;)*) => {$(
        impl Trigger for $event {
            const NAME: &'static str = $name;
            const SOURCES: &'static [&'static str] = &[$($source),*];
            $(const VERSIONS: Option<&'static [&'static str]> = Some(&[$($version),*]);)?
            type Response = $response;
        }

        impl<S> FromPayload<S, $event> for $event {
            fn from_payload(event: $event, _context: &Context, _state: &S) -> Result<Self, Error> {
                Ok(event)
            }
        }
    )*};
}

triggers! {
    PreSignUp => PreSignUpResponse, "cognito_pre_sign_up",
        ["PreSignUp_SignUp", "PreSignUp_AdminCreateUser", "PreSignUp_ExternalProvider"];
    PostConfirmation => PostConfirmationResponse, "cognito_post_confirmation",
        ["PostConfirmation_ConfirmSignUp", "PostConfirmation_ConfirmForgotPassword"];
    PreAuthentication => PreAuthenticationResponse, "cognito_pre_authentication",
        ["PreAuthentication_Authentication"];
    PostAuthentication => PostAuthenticationResponse, "cognito_post_authentication",
        ["PostAuthentication_Authentication"];
    PreTokenGeneration => PreTokenGenerationResponse, "cognito_pre_token_generation",
        ["TokenGeneration_HostedAuth", "TokenGeneration_Authentication", "TokenGeneration_NewPasswordChallenge",
         "TokenGeneration_AuthenticateDevice", "TokenGeneration_RefreshTokens"], versions ["1"];
    PreTokenGenerationV2 => PreTokenGenerationV2Response, "cognito_pre_token_generation_v2",
        ["TokenGeneration_HostedAuth", "TokenGeneration_Authentication", "TokenGeneration_NewPasswordChallenge",
         "TokenGeneration_AuthenticateDevice", "TokenGeneration_RefreshTokens"], versions ["2", "3"];
    CustomMessage => CustomMessageResponse, "cognito_custom_message",
        ["CustomMessage_SignUp", "CustomMessage_AdminCreateUser", "CustomMessage_ResendCode",
         "CustomMessage_ForgotPassword", "CustomMessage_UpdateUserAttribute", "CustomMessage_VerifyUserAttribute",
         "CustomMessage_Authentication"];
    DefineAuthChallenge => DefineAuthChallengeResponse, "cognito_define_auth_challenge",
        ["DefineAuthChallenge_Authentication"];
    CreateAuthChallenge => CreateAuthChallengeResponse, "cognito_create_auth_challenge",
        ["CreateAuthChallenge_Authentication"];
    VerifyAuthChallenge => VerifyAuthChallengeResponse, "cognito_verify_auth_challenge",
        ["VerifyAuthChallengeResponse_Authentication"];
    UserMigration => UserMigrationResponse, "cognito_user_migration",
        ["UserMigration_Authentication", "UserMigration_ForgotPassword"];
}

/// What a trigger handler may return: `Result<R, E>` with `R` the trigger's response.
#[diagnostic::on_unimplemented(
    message = "this Cognito trigger's handler cannot return `{Self}`",
    label = "the handler's return type",
    note = "return `Result<R, E>` with `R` the response part of the trigger the argument names (`PreSignUp` answers `PreSignUpResponse`...) and `E: Into<BoxError>`"
)]
pub trait IntoTriggerResponse<R> {
    /// The response, or the error that fails the invocation.
    fn into_trigger_response(self) -> Result<R, Error>;
}

impl<R, E: Into<BoxError>> IntoTriggerResponse<R> for Result<R, E> {
    fn into_trigger_response(self) -> Result<R, Error> {
        self.map_err(Error::handler)
    }
}

/// A registered trigger handler: it answers the `response` part, as raw JSON.
type ResponseFn<S> = Box<
    dyn Fn(&Bytes, &Context, &S) -> crate::handler::BoxFuture<Result<Box<RawValue>, Error>> + Send + Sync,
>;

struct Route<S> {
    name: &'static str,
    sources: &'static [&'static str],
    versions: Option<&'static [&'static str]>,
    respond: ResponseFn<S>,
}

/// The Cognito trigger handlers of an app.
pub(crate) struct Cognito<S> {
    routes: Vec<Route<S>>,
    names: Vec<&'static str>,
}

impl<S> Default for Cognito<S> {
    fn default() -> Self {
        Cognito {
            routes: Vec::new(),
            names: Vec::new(),
        }
    }
}

impl<S: Send + Sync + 'static> Cognito<S> {
    /// # Panics
    ///
    /// When a handler of the same trigger is already registered.
    pub(crate) fn route<T, H, Args>(&mut self, handler: H)
    where
        T: Trigger,
        H: Handler<Args, S, T>,
        H::Output: IntoTriggerResponse<T::Response>,
        Args: 'static,
    {
        assert!(
            !self.routes.iter().any(|route| route.name == T::NAME),
            "a `{}` handler is already registered",
            T::NAME
        );
        let handler: ErasedHandler<S, T, Box<RawValue>> = erase(handler, |output| {
            let response = output.into_trigger_response()?;
            serde_json::value::to_raw_value(&response).map_err(Error::Encode)
        });
        let respond: ResponseFn<S> =
            Box::new(
                move |event, context, state| match Error::decode::<T>(event, T::NAME) {
                    Ok(trigger) => handler(trigger, context, state),
                    Err(error) => Box::pin(std::future::ready(Err(error))),
                },
            );
        self.names.push(T::NAME);
        self.routes.push(Route {
            name: T::NAME,
            sources: T::SOURCES,
            versions: T::VERSIONS,
            respond,
        });
    }

    /// The route of `source`; where two forms of one trigger are registered (pre token
    /// generation), the one of the event's `version`.
    fn route_of(&self, source: &str, version: Option<&str>) -> Option<&Route<S>> {
        let mut routes = self.routes.iter().filter(|route| route.sources.contains(&source));
        let first = routes.next()?;
        let Some(second) = routes.next() else {
            return Some(first);
        };
        [first, second].into_iter().chain(routes).find(|route| {
            route
                .versions
                .is_none_or(|versions| version.is_some_and(|version| versions.contains(&version)))
        })
    }
}

impl<S: Send + Sync + 'static> Source<S> for Cognito<S> {
    fn names(&self) -> &[&'static str] {
        &self.names
    }

    fn keys(&self) -> &'static [&'static str] {
        &["triggerSource", "userPoolId", "version"]
    }

    fn reader<'e>(&'e self, _event: &'e [u8]) -> Box<dyn EventReader<'e, S> + 'e> {
        Box::new(CognitoReader {
            cognito: self,
            trigger_source: None,
            version: None,
            user_pool: false,
            route: None,
        })
    }
}

struct CognitoReader<'e, S> {
    cognito: &'e Cognito<S>,
    trigger_source: Option<Text<'e>>,
    version: Option<Text<'e>>,
    user_pool: bool,
    route: Option<&'e Route<S>>,
}

impl<'e, S: Send + Sync + 'static> EventReader<'e, S> for CognitoReader<'e, S> {
    fn read(&mut self, key: &str, value: Value<'_, 'e>) -> Result<(), ReadError> {
        match key {
            "triggerSource" => self.trigger_source = value.text_field()?.value(),
            "version" => self.version = value.text_field()?.value(),
            "userPoolId" => self.user_pool = value.text_field()?.value().is_some(),
            _ => {}
        }
        Ok(())
    }

    fn claims(&mut self) -> bool {
        let (Some(source), true) = (&self.trigger_source, self.user_pool) else {
            return false;
        };
        let version = self.version.as_ref().map(Text::as_str);
        self.route = self.cognito.route_of(source.as_str(), version);
        self.route.is_some()
    }

    fn near_miss(&self) -> Option<String> {
        let (Some(source), true) = (&self.trigger_source, self.user_pool) else {
            return None;
        };
        Some(format!("a Cognito user pool trigger (`{}`)", source.as_str()))
    }

    fn handle(self: Box<Self>, event: &'e Bytes, context: Context, state: &'e S) -> SourceFuture<'e> {
        let route = self.route.expect("a claimed trigger has its route");
        let response = (route.respond)(event, &context, state);
        Box::pin(async move {
            let response = response.await?;
            with_response(event, &response).map(Answer::from)
        })
    }
}

/// The event, its entries in order, with `response` as its response part: what Cognito
/// reads back.
fn with_response(event: &[u8], response: &RawValue) -> Result<Box<RawValue>, Error> {
    let text = std::str::from_utf8(event)
        .map_err(|_| Error::decode::<IgnoredAny>(event, "a Cognito event").unwrap_err())?;
    let mut entries: Vec<(Text<'_>, &RawValue)> = Vec::new();
    read_json(text, |value| {
        value.entries(|key, value| {
            entries.push((key, value.raw()?));
            Ok(())
        })
    })
    .map_err(|error| Error::InvalidJson(serde::de::Error::custom(error)))?;
    let mut answer = String::with_capacity(event.len() + response.get().len());
    answer.push('{');
    let mut answered = false;
    for (key, value) in &entries {
        let value = if key.as_str() == "response" {
            answered = true;
            response
        } else {
            value
        };
        push_entry(&mut answer, key.as_str(), value)?;
    }
    if !answered {
        push_entry(&mut answer, "response", response)?;
    }
    answer.push('}');
    RawValue::from_string(answer).map_err(Error::Encode)
}

fn push_entry(answer: &mut String, key: &str, value: &RawValue) -> Result<(), Error> {
    if answer.len() > 1 {
        answer.push(',');
    }
    answer.push_str(&serde_json::to_string(key).map_err(Error::Encode)?);
    answer.push(':');
    answer.push_str(value.get());
    Ok(())
}
