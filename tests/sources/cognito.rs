//! Cognito user pool triggers: every trigger routed by `triggerSource` (and pre token
//! generation by version) to its handler, and the event answered with its response.

use lambdo::{
    cognito::{
        CreateAuthChallenge, CreateAuthChallengeResponse, CustomMessage, CustomMessageResponse,
        DefineAuthChallenge, DefineAuthChallengeResponse, PostAuthentication, PostAuthenticationResponse,
        PostConfirmation, PostConfirmationResponse, PreAuthentication, PreAuthenticationResponse, PreSignUp,
        PreSignUpResponse, PreTokenGeneration, PreTokenGenerationResponse, PreTokenGenerationV2,
        PreTokenGenerationV2Response, UserMigration, UserMigrationResponse, VerifyAuthChallenge,
        VerifyAuthChallengeResponse,
    },
    App, State,
};
use lambdo_testing::{fixtures, TestClient};
use lambdo_tests::Seen;
use serde_json::{json, Value};

fn sample(name: &str) -> String {
    fixtures::aws_lambda_events_samples()
        .into_iter()
        .find(|(file, _)| file == name)
        .unwrap_or_else(|| panic!("no sample {name}"))
        .1
}

async fn pre_sign_up(
    State(seen): State<Seen>,
    event: PreSignUp,
) -> Result<PreSignUpResponse, lambdo::BoxError> {
    seen.push(format!("pre sign-up {}", event.request.user_attributes.len()));
    let mut response = PreSignUpResponse::default();
    response.auto_confirm_user = true;
    response.auto_verify_email = true;
    Ok(response)
}

async fn post_confirmation(
    State(seen): State<Seen>,
    _event: PostConfirmation,
) -> Result<PostConfirmationResponse, lambdo::BoxError> {
    seen.push("post confirmation".into());
    Ok(PostConfirmationResponse::default())
}

async fn pre_authentication(
    State(seen): State<Seen>,
    _event: PreAuthentication,
) -> Result<PreAuthenticationResponse, lambdo::BoxError> {
    seen.push("pre authentication".into());
    Ok(PreAuthenticationResponse::default())
}

async fn post_authentication(
    State(seen): State<Seen>,
    _event: PostAuthentication,
) -> Result<PostAuthenticationResponse, lambdo::BoxError> {
    seen.push("post authentication".into());
    Ok(PostAuthenticationResponse::default())
}

async fn token_v1(
    State(seen): State<Seen>,
    _event: PreTokenGeneration,
) -> Result<PreTokenGenerationResponse, lambdo::BoxError> {
    seen.push("token v1".into());
    Ok(PreTokenGenerationResponse::default())
}

async fn token_v2(
    State(seen): State<Seen>,
    _event: PreTokenGenerationV2,
) -> Result<PreTokenGenerationV2Response, lambdo::BoxError> {
    seen.push("token v2".into());
    Ok(PreTokenGenerationV2Response::default())
}

async fn custom_message(
    State(seen): State<Seen>,
    event: CustomMessage,
) -> Result<CustomMessageResponse, lambdo::BoxError> {
    seen.push("custom message".into());
    let mut response = CustomMessageResponse::default();
    response.email_subject = Some("Welcome".into());
    response.email_message = event
        .request
        .code_parameter
        .map(|code| format!("Your code: {code}"));
    Ok(response)
}

async fn define(
    State(seen): State<Seen>,
    _event: DefineAuthChallenge,
) -> Result<DefineAuthChallengeResponse, lambdo::BoxError> {
    seen.push("define".into());
    let mut response = DefineAuthChallengeResponse::default();
    response.challenge_name = Some("CUSTOM_CHALLENGE".into());
    Ok(response)
}

async fn create(
    State(seen): State<Seen>,
    _event: CreateAuthChallenge,
) -> Result<CreateAuthChallengeResponse, lambdo::BoxError> {
    seen.push("create".into());
    Ok(CreateAuthChallengeResponse::default())
}

async fn verify(
    State(seen): State<Seen>,
    _event: VerifyAuthChallenge,
) -> Result<VerifyAuthChallengeResponse, lambdo::BoxError> {
    seen.push("verify".into());
    let mut response = VerifyAuthChallengeResponse::default();
    response.answer_correct = true;
    Ok(response)
}

async fn migrate(
    State(seen): State<Seen>,
    _event: UserMigration,
) -> Result<UserMigrationResponse, lambdo::BoxError> {
    seen.push("migrate".into());
    Ok(UserMigrationResponse::default())
}

fn every_trigger(seen: &Seen) -> TestClient {
    let app = App::new(seen.clone())
        .cognito(pre_sign_up)
        .cognito(post_confirmation)
        .cognito(pre_authentication)
        .cognito(post_authentication)
        .cognito(token_v1)
        .cognito(token_v2)
        .cognito(custom_message)
        .cognito(define)
        .cognito(create)
        .cognito(verify)
        .cognito(migrate);
    TestClient::new(app.into_function())
}

#[tokio::test]
async fn each_trigger_reaches_its_handler_and_gets_the_event_back_with_its_response() {
    for (name, handled) in [
        ("example-cognito-event-userpools-presignup.json", "pre sign-up"),
        (
            "example-cognito-event-userpools-postconfirmation.json",
            "post confirmation",
        ),
        (
            "example-cognito-event-userpools-preauthentication.json",
            "pre authentication",
        ),
        (
            "example-cognito-event-userpools-postauthentication.json",
            "post authentication",
        ),
        ("example-cognito-event-userpools-pretokengen.json", "token v1"),
        (
            "example-cognito-event-userpools-pretokengen-incoming.json",
            "token v1",
        ),
        ("example-cognito-event-userpools-pretokengen-v2.json", "token v2"),
        (
            "example-cognito-event-userpools-pretokengen-v2-incoming.json",
            "token v2",
        ),
        (
            "example-cognito-event-userpools-custommessage.json",
            "custom message",
        ),
        (
            "example-cognito-event-userpools-define-auth-challenge.json",
            "define",
        ),
        (
            "example-cognito-event-userpools-create-auth-challenge.json",
            "create",
        ),
        (
            "example-cognito-event-userpools-verify-auth-challenge.json",
            "verify",
        ),
        ("example-cognito-event-userpools-migrateuser.json", "migrate"),
    ] {
        let seen = Seen::default();
        let mut event: Value = serde_json::from_str(&sample(name)).unwrap();
        if name.contains("-v2") {
            // The samples of the V2_0 event say version "1"; Cognito sends "2" (or "3").
            event["version"] = json!("2");
        }
        let text = event.to_string();
        let answer = every_trigger(&seen)
            .invoke_raw(text)
            .await
            .unwrap_or_else(|error| panic!("{name}: {error:?}"));
        assert!(seen.all()[0].starts_with(handled), "{name}: {:?}", seen.all());
        // The event comes back whole, with the handler's response.
        let mut without_response = answer.as_object().unwrap().clone();
        let response = without_response.remove("response").unwrap();
        let mut sent = event.as_object().unwrap().clone();
        sent.remove("response");
        assert_eq!(without_response, sent, "{name}");
        assert!(response.is_object(), "{name}: {response}");
    }
}

#[tokio::test]
async fn one_registered_form_of_pre_token_generation_takes_every_version() {
    let seen = Seen::default();
    let client = TestClient::new(App::new(seen.clone()).cognito(token_v2).into_function());
    // As the sample has it: version "1".
    client
        .invoke_raw(sample("example-cognito-event-userpools-pretokengen-v2.json"))
        .await
        .unwrap();
    assert_eq!(seen.all(), ["token v2"]);
}

#[tokio::test]
async fn responses_are_written_as_cognito_reads_them() {
    let seen = Seen::default();
    let client = every_trigger(&seen);
    let sign_up = client
        .invoke_raw(sample("example-cognito-event-userpools-presignup.json"))
        .await
        .unwrap();
    assert_eq!(sign_up["response"]["autoConfirmUser"], true);
    assert_eq!(sign_up["response"]["autoVerifyEmail"], true);
    let message = client
        .invoke_raw(sample("example-cognito-event-userpools-custommessage.json"))
        .await
        .unwrap();
    assert_eq!(message["response"]["emailSubject"], "Welcome");
    assert!(message["response"]["emailMessage"]
        .as_str()
        .unwrap()
        .starts_with("Your code: "));
    let define = client
        .invoke_raw(sample(
            "example-cognito-event-userpools-define-auth-challenge.json",
        ))
        .await
        .unwrap();
    assert_eq!(define["response"]["challengeName"], "CUSTOM_CHALLENGE");
    // Keys keep their order: the event is answered as it came.
    let text = sample("example-cognito-event-userpools-verify-auth-challenge.json");
    let answer = client.invoke_raw(text.clone()).await.unwrap();
    let keys_in = |json: &str| -> Vec<String> {
        let value: serde_json::Map<String, Value> = serde_json::from_str(json).unwrap();
        value.keys().cloned().collect()
    };
    assert_eq!(answer["response"]["answerCorrect"], true);
    assert_eq!(keys_in(&answer.to_string()).len(), keys_in(&text).len());
}

#[tokio::test]
async fn a_failure_fails_the_invocation_and_unregistered_triggers_are_not_taken() {
    async fn refuse(_event: PreSignUp) -> Result<PreSignUpResponse, lambdo::BoxError> {
        Err("sign-ups are closed".into())
    }
    let client = TestClient::new(App::new(()).cognito(refuse).into_function());
    let error = client
        .invoke_raw(sample("example-cognito-event-userpools-presignup.json"))
        .await
        .unwrap_err();
    assert_eq!(error.error_message, "sign-ups are closed");
    let other = client
        .invoke_raw(sample("example-cognito-event-userpools-postconfirmation.json"))
        .await
        .unwrap_err();
    assert_eq!(other.error_type, "Lambdo.UnsupportedEvent");
    assert!(
        other.error_message.contains("PostConfirmation_ConfirmSignUp"),
        "{}",
        other.error_message
    );
    // A trigger event that does not fit its type names the path.
    let mut broken: Value =
        serde_json::from_str(&sample("example-cognito-event-userpools-presignup.json")).unwrap();
    broken["request"]["userAttributes"] = json!(7);
    let error = client.invoke(&broken).await.unwrap_err();
    assert_eq!(error.error_type, "Lambdo.EventDecode");
    assert!(
        error.error_message.contains("request.userAttributes"),
        "{}",
        error.error_message
    );
}
