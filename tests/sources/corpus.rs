//! Every real sample event there is — the `aws_lambda_events` crate's own samples and
//! what `sam local generate-event` gives for the services lambdo has sources for —
//! through one app that registers every source and an invoke handler: each event of a
//! registered source reaches that source and decodes, every other event reaches the
//! invoke handler byte for byte, and none is refused as invalid.
//!
//! `LAMBDO_CORPUS_PRINT=1 cargo test -p lambdo-tests --test sources corpus` prints what
//! each event did, in the form of the expectations below.

use axum::{routing::any, Router};
use lambdo::{
    authorizer::{Authorization, AuthorizerRequest},
    cognito,
    dynamodb::DynamoDbRecord,
    eventbridge::{Event, Scheduled},
    kinesis::KinesisRecord,
    s3::ObjectEvent,
    sns::SnsRecord,
    sqs::SqsRecord,
    websocket::WebSocketEvent,
    App, InvokePayload, State,
};
use lambdo_testing::{fixtures, TestClient};
use lambdo_tests::Seen;
use serde_json::Value;

/// Where each event must go: a source's name, or `invoke` (and then unchanged).
/// Responses and other documents that are no event at all go to `invoke` too.
const EXPECTED: &[(&str, &str)] = &[
    ("example-activemq-event-null-properties.json", "invoke"),
    ("example-activemq-event.json", "invoke"),
    ("example-alb-lambda-target-request-headers-only.json", "http"),
    (
        "example-alb-lambda-target-request-multivalue-headers.json",
        "http",
    ),
    ("example-alb-lambda-target-response.json", "invoke"),
    ("example-apigw-console-request.json", "http"),
    ("example-apigw-console-test-request.json", "http"),
    (
        "example-apigw-custom-auth-request-type-request.json",
        "authorizer",
    ),
    ("example-apigw-custom-auth-request.json", "authorizer"),
    ("example-apigw-custom-auth-response-with-condition.json", "invoke"),
    (
        "example-apigw-custom-auth-response-with-single-value-action.json",
        "invoke",
    ),
    (
        "example-apigw-custom-auth-response-with-single-value-resource.json",
        "invoke",
    ),
    ("example-apigw-custom-auth-response.json", "invoke"),
    ("example-apigw-request-catch-all.json", "http"),
    ("example-apigw-request-multi-value-parameters.json", "http"),
    ("example-apigw-request.json", "http"),
    ("example-apigw-response.json", "invoke"),
    ("example-apigw-restapi-openapi-request.json", "http"),
    ("example-apigw-sam-http-request.json", "http"),
    ("example-apigw-sam-rest-request.json", "http"),
    ("example-apigw-v2-custom-authorizer-v1-request.json", "authorizer"),
    (
        "example-apigw-v2-custom-authorizer-v2-request-null-maps.json",
        "authorizer",
    ),
    (
        "example-apigw-v2-custom-authorizer-v2-request-without-cookies.json",
        "authorizer",
    ),
    (
        "example-apigw-v2-custom-authorizer-v2-request-without-identity-source.json",
        "authorizer",
    ),
    ("example-apigw-v2-custom-authorizer-v2-request.json", "authorizer"),
    (
        "example-apigw-v2-custom-authorizer-websocket-request.json",
        "authorizer",
    ),
    ("example-apigw-v2-request-iam.json", "http"),
    ("example-apigw-v2-request-jwt-authorizer.json", "http"),
    ("example-apigw-v2-request-lambda-authorizer.json", "http"),
    ("example-apigw-v2-request-multi-value-parameters.json", "http"),
    ("example-apigw-v2-request-no-authorizer.json", "http"),
    (
        "example-apigw-websocket-request-disconnect-route.json",
        "websocket",
    ),
    ("example-apigw-websocket-request-without-method.json", "websocket"),
    ("example-apigw-websocket-request.json", "websocket"),
    ("example-appsync-batchinvoke.json", "invoke"),
    ("example-appsync-direct-resolver.json", "invoke"),
    ("example-appsync-identity-cognito.json", "invoke"),
    ("example-appsync-identity-iam.json", "invoke"),
    ("example-appsync-invoke.json", "invoke"),
    ("example-appsync-lambda-auth-request.json", "invoke"),
    ("example-appsync-lambda-auth-response.json", "invoke"),
    ("example-autoscaling-event-launch-successful.json", "invoke"),
    ("example-autoscaling-event-launch-unsuccessful.json", "invoke"),
    ("example-autoscaling-event-lifecycle-action.json", "invoke"),
    ("example-autoscaling-event-terminate-action.json", "invoke"),
    ("example-autoscaling-event-terminate-successful.json", "invoke"),
    ("example-autoscaling-event-terminate-unsuccessful.json", "invoke"),
    (
        "example-bedrock-agent-runtime-event-without-parameters.json",
        "invoke",
    ),
    (
        "example-bedrock-agent-runtime-event-without-request-body.json",
        "invoke",
    ),
    ("example-bedrock-agent-runtime-event.json", "invoke"),
    ("example-clientvpn-connectionhandler-request.json", "invoke"),
    (
        "example-cloudformation-custom-resource-create-request.json",
        "invoke",
    ),
    (
        "example-cloudformation-custom-resource-delete-request.json",
        "invoke",
    ),
    (
        "example-cloudformation-custom-resource-provider-create-request.json",
        "invoke",
    ),
    (
        "example-cloudformation-custom-resource-provider-delete-request.json",
        "invoke",
    ),
    (
        "example-cloudformation-custom-resource-provider-response.json",
        "invoke",
    ),
    (
        "example-cloudformation-custom-resource-provider-update-request.json",
        "invoke",
    ),
    ("example-cloudformation-custom-resource-response.json", "invoke"),
    (
        "example-cloudformation-custom-resource-update-request.json",
        "invoke",
    ),
    (
        "example-cloudwatch-alarm-composite-with-suppressor-alarm.json",
        "invoke",
    ),
    ("example-cloudwatch-alarm-composite.json", "invoke"),
    ("example-cloudwatch-alarm-metric.json", "invoke"),
    (
        "example-cloudwatch-alarm-sns-payload-multiple-metrics.json",
        "sns",
    ),
    ("example-cloudwatch-alarm-sns-payload-single-metric.json", "sns"),
    ("example-cloudwatch-cloudtrail-assumed-role.json", "invoke"),
    ("example-cloudwatch-cloudtrail-unknown-federate.json", "invoke"),
    ("example-cloudwatch-cloudtrail-unknown-user-auth.json", "invoke"),
    ("example-cloudwatch_logs-event.json", "invoke"),
    ("example-code_commit-event.json", "invoke"),
    ("example-codebuild-phase-change.json", "eventbridge"),
    ("example-codebuild-state-change.json", "invoke"),
    ("example-codedeploy-deployment-event.json", "invoke"),
    ("example-codedeploy-instance-event.json", "invoke"),
    ("example-codedeploy-lifecycle-event.json", "invoke"),
    (
        "example-codepipeline-action-execution-stage-change-event.json",
        "invoke",
    ),
    ("example-codepipeline-execution-stage-change-event.json", "invoke"),
    ("example-codepipeline-execution-state-change-event.json", "invoke"),
    ("example-codepipeline_job-event.json", "invoke"),
    (
        "example-cognito-event-userpools-create-auth-challenge-user-not-found.json",
        "cognito",
    ),
    (
        "example-cognito-event-userpools-create-auth-challenge.json",
        "cognito",
    ),
    ("example-cognito-event-userpools-custommessage.json", "cognito"),
    (
        "example-cognito-event-userpools-define-auth-challenge-optional-response-fields.json",
        "cognito",
    ),
    (
        "example-cognito-event-userpools-define-auth-challenge-user-not-found.json",
        "cognito",
    ),
    (
        "example-cognito-event-userpools-define-auth-challenge.json",
        "cognito",
    ),
    (
        "example-cognito-event-userpools-migrateuser-null-fields.json",
        "cognito",
    ),
    ("example-cognito-event-userpools-migrateuser.json", "cognito"),
    (
        "example-cognito-event-userpools-postauthentication.json",
        "cognito",
    ),
    ("example-cognito-event-userpools-postconfirmation.json", "cognito"),
    (
        "example-cognito-event-userpools-preauthentication.json",
        "cognito",
    ),
    ("example-cognito-event-userpools-presignup.json", "cognito"),
    (
        "example-cognito-event-userpools-pretokengen-incoming.json",
        "cognito",
    ),
    (
        "example-cognito-event-userpools-pretokengen-null-group-configuration.json",
        "cognito",
    ),
    (
        "example-cognito-event-userpools-pretokengen-v2-incoming.json",
        "cognito",
    ),
    (
        "example-cognito-event-userpools-pretokengen-v2-null-group-configuration.json",
        "cognito",
    ),
    ("example-cognito-event-userpools-pretokengen-v2.json", "cognito"),
    ("example-cognito-event-userpools-pretokengen.json", "cognito"),
    (
        "example-cognito-event-userpools-verify-auth-challenge-null-answer-correct.json",
        "cognito",
    ),
    (
        "example-cognito-event-userpools-verify-auth-challenge-optional-answer-correct.json",
        "cognito",
    ),
    (
        "example-cognito-event-userpools-verify-auth-challenge-user-not-found.json",
        "cognito",
    ),
    (
        "example-cognito-event-userpools-verify-auth-challenge.json",
        "cognito",
    ),
    ("example-cognito-event.json", "invoke"),
    ("example-config-event.json", "invoke"),
    ("example-connect-event-without-queue.json", "invoke"),
    ("example-connect-event.json", "invoke"),
    ("example-controltower-create-managed-account.json", "invoke"),
    (
        "example-controltower-deregister-organizational-unit.json",
        "invoke",
    ),
    ("example-controltower-disable-baseline.json", "invoke"),
    ("example-controltower-disable-guardrail.json", "invoke"),
    ("example-controltower-enable-baseline.json", "invoke"),
    ("example-controltower-enable-guardrail.json", "invoke"),
    ("example-controltower-precheck-organizational-unit.json", "invoke"),
    ("example-controltower-register-organizational-unit.json", "invoke"),
    ("example-controltower-reset-enabled-baseline.json", "invoke"),
    ("example-controltower-setup-landing-zone.json", "invoke"),
    ("example-controltower-update-enabled-baseline.json", "invoke"),
    ("example-controltower-update-landing-zone.json", "invoke"),
    ("example-controltower-update-managed-account.json", "invoke"),
    ("example-documentdb-delete-event.json", "invoke"),
    ("example-documentdb-drop-database-event.json", "invoke"),
    ("example-documentdb-drop-event.json", "invoke"),
    ("example-documentdb-insert-event.json", "invoke"),
    ("example-documentdb-invalidate-event.json", "invoke"),
    ("example-documentdb-rename-event.json", "invoke"),
    ("example-documentdb-replace-event.json", "invoke"),
    ("example-documentdb-update-event.json", "invoke"),
    ("example-dynamodb-event-null-items.json", "dynamodb_stream"),
    (
        "example-dynamodb-event-record-with-optional-fields.json",
        "invoke",
    ),
    ("example-dynamodb-event.json", "dynamodb_stream"),
    (
        "example-ecr-image-scan-event-with-missing-severities.json",
        "invoke",
    ),
    ("example-ecr-image-scan-event.json", "invoke"),
    ("example-eventbridge-event-obj.json", "invoke"),
    ("example-eventbridge-schedule.json", "schedule"),
    ("example-firehose-event.json", "invoke"),
    ("example-iot-custom-auth-request-x509.json", "invoke"),
    ("example-iot-custom-auth-request.json", "invoke"),
    ("example-iot-custom-auth-response.json", "invoke"),
    ("example-iot_1_click-event.json", "invoke"),
    ("example-iot_button-event.json", "invoke"),
    ("example-kafka-event.json", "invoke"),
    ("example-kinesis-event-encrypted.json", "kinesis"),
    ("example-kinesis-event.json", "kinesis"),
    ("example-kinesis-firehose-event.json", "invoke"),
    ("example-kinesis-firehose-response.json", "invoke"),
    ("example-lex-event.json", "invoke"),
    ("example-lex-response.json", "invoke"),
    ("example-rabbitmq-event.json", "invoke"),
    ("example-s3-event-with-decoded.json", "s3"),
    ("example-s3-event.json", "s3"),
    (
        "example-s3-object-lambda-event-get-object-assumed-role.json",
        "invoke",
    ),
    ("example-s3-object-lambda-event-get-object-iam.json", "invoke"),
    ("example-s3-object-lambda-event-head-object-iam.json", "invoke"),
    ("example-s3-object-lambda-event-list-objects-iam.json", "invoke"),
    (
        "example-s3-object-lambda-event-list-objects-v2-iam.json",
        "invoke",
    ),
    ("example-secretsmanager-secret-rotation-event.json", "invoke"),
    ("example-ses-bcc-event.json", "invoke"),
    ("example-ses-event.json", "invoke"),
    ("example-ses-lambda-event.json", "invoke"),
    ("example-ses-s3-event.json", "invoke"),
    ("example-ses-sns-event.json", "invoke"),
    ("example-sns-event-obj.json", "sns"),
    ("example-sns-event-pascal-case.json", "sns"),
    ("example-sns-event.json", "sns"),
    ("example-sns-subscription-confirmation.json", "invoke"),
    ("example-sns-unsubscribe-confirmation.json", "invoke"),
    ("example-sqs-api-event-obj.json", "invoke"),
    ("example-sqs-batch-response.json", "invoke"),
    ("example-sqs-event-obj.json", "sqs"),
    ("example-sqs-event.json", "sqs"),
    ("example-vpc-lattice-response.json", "invoke"),
    ("example-vpc-lattice-v1-request.json", "invoke"),
    ("example-vpc-lattice-v2-request-base64.json", "invoke"),
    ("example-vpc-lattice-v2-request-roles-anywhere.json", "invoke"),
    ("example-vpc-lattice-v2-request.json", "invoke"),
    ("sam/alb-request.json", "http"),
    ("sam/apigateway-authorizer.json", "authorizer"),
    ("sam/apigateway-aws-proxy.json", "http"),
    ("sam/apigateway-http-api-proxy.json", "http"),
    ("sam/apigateway-request-authorizer.json", "authorizer"),
    ("sam/cloudwatch-logs.json", "invoke"),
    ("sam/cloudwatch-scheduled-event.json", "schedule"),
    ("sam/cognito-sync-trigger.json", "invoke"),
    ("sam/dynamodb-update.json", "dynamodb_stream"),
    ("sam/kinesis-analytics-compressed.json", "invoke"),
    ("sam/kinesis-analytics-dynamodb.json", "invoke"),
    ("sam/kinesis-analytics-kpl.json", "invoke"),
    ("sam/kinesis-analytics.json", "invoke"),
    ("sam/kinesis-apachelog.json", "invoke"),
    ("sam/kinesis-cloudwatch-logs-processor.json", "invoke"),
    ("sam/kinesis-get-records.json", "kinesis"),
    ("sam/kinesis-kinesis-firehose.json", "invoke"),
    ("sam/kinesis-streams-as-source.json", "invoke"),
    ("sam/kinesis-syslog.json", "invoke"),
    ("sam/s3-batch-invocation.json", "invoke"),
    ("sam/s3-delete.json", "s3"),
    ("sam/s3-put.json", "s3"),
    ("sam/sns-notification.json", "sns"),
    ("sam/sqs-receive-message.json", "sqs"),
];

async fn on_http(State(seen): State<Seen>) -> &'static str {
    seen.push("http".into());
    "http"
}

async fn on_sqs(State(seen): State<Seen>, record: SqsRecord) -> Result<(), lambdo::BoxError> {
    record.to_aws()?;
    seen.push("sqs".into());
    Ok(())
}

async fn on_kinesis(State(seen): State<Seen>, record: KinesisRecord) -> Result<(), lambdo::BoxError> {
    record.data()?;
    record.to_aws()?;
    seen.push("kinesis".into());
    Ok(())
}

async fn on_dynamodb(State(seen): State<Seen>, record: DynamoDbRecord) -> Result<(), lambdo::BoxError> {
    record.new_image::<Value>()?;
    record.old_image::<Value>()?;
    record.to_aws()?;
    seen.push("dynamodb_stream".into());
    Ok(())
}

async fn on_sns(State(seen): State<Seen>, record: SnsRecord) -> Result<(), lambdo::BoxError> {
    record.to_aws()?;
    seen.push("sns".into());
    Ok(())
}

async fn on_s3(State(seen): State<Seen>, _object: ObjectEvent) -> Result<(), lambdo::BoxError> {
    seen.push("s3".into());
    Ok(())
}

async fn on_codebuild(State(seen): State<Seen>, event: Event<Value>) -> Result<(), lambdo::BoxError> {
    assert_eq!(event.source, "aws.codebuild");
    seen.push("eventbridge".into());
    Ok(())
}

async fn on_schedule(State(seen): State<Seen>, _tick: Scheduled) -> Result<(), lambdo::BoxError> {
    seen.push("schedule".into());
    Ok(())
}

async fn on_authorizer(
    State(seen): State<Seen>,
    request: AuthorizerRequest,
) -> Result<Authorization, lambdo::BoxError> {
    seen.push("authorizer".into());
    Ok(Authorization::allow("corpus", request.resource_arn()))
}

/// A handler of each Cognito trigger that says it ran and answers the default
/// response.
macro_rules! cognito_handlers {
    ($($name:ident: $event:ident => $response:ident),* $(,)?) => {$(
        async fn $name(State(seen): State<Seen>, _event: cognito::$event) -> Result<cognito::$response, lambdo::BoxError> {
            seen.push("cognito".into());
            Ok(cognito::$response::default())
        }
    )*};
}

cognito_handlers! {
    on_pre_sign_up: PreSignUp => PreSignUpResponse,
    on_post_confirmation: PostConfirmation => PostConfirmationResponse,
    on_pre_authentication: PreAuthentication => PreAuthenticationResponse,
    on_post_authentication: PostAuthentication => PostAuthenticationResponse,
    on_pre_token_generation: PreTokenGeneration => PreTokenGenerationResponse,
    on_pre_token_generation_v2: PreTokenGenerationV2 => PreTokenGenerationV2Response,
    on_custom_message: CustomMessage => CustomMessageResponse,
    on_define_auth_challenge: DefineAuthChallenge => DefineAuthChallengeResponse,
    on_create_auth_challenge: CreateAuthChallenge => CreateAuthChallengeResponse,
    on_verify_auth_challenge: VerifyAuthChallenge => VerifyAuthChallengeResponse,
    on_user_migration: UserMigration => UserMigrationResponse,
}

async fn on_websocket(State(seen): State<Seen>, event: WebSocketEvent) -> Result<(), lambdo::BoxError> {
    event.body()?;
    seen.push("websocket".into());
    Ok(())
}

async fn on_invoke(State(seen): State<Seen>, payload: InvokePayload) -> Result<Value, lambdo::BoxError> {
    seen.push(format!(
        "invoke {}",
        String::from_utf8(payload.as_bytes().to_vec())?
    ));
    Ok(Value::Null)
}

fn every_source(seen: &Seen) -> TestClient {
    let router = Router::new()
        .route("/", any(on_http))
        .route("/{*path}", any(on_http));
    let app = App::new(seen.clone())
        .http(router)
        .sqs(on_sqs)
        .kinesis(on_kinesis)
        .dynamodb_stream(on_dynamodb)
        .sns(on_sns)
        .s3(on_s3)
        .eventbridge("aws.codebuild", "CodeBuild Build Phase Change", on_codebuild)
        .schedule(on_schedule)
        .authorizer(on_authorizer)
        .cognito(on_pre_sign_up)
        .cognito(on_post_confirmation)
        .cognito(on_pre_authentication)
        .cognito(on_post_authentication)
        .cognito(on_pre_token_generation)
        .cognito(on_pre_token_generation_v2)
        .cognito(on_custom_message)
        .cognito(on_define_auth_challenge)
        .cognito(on_create_auth_challenge)
        .cognito(on_verify_auth_challenge)
        .cognito(on_user_migration)
        .websocket("$connect", on_websocket)
        .websocket("$disconnect", on_websocket)
        .websocket("$default", on_websocket)
        .invoke(on_invoke);
    TestClient::new(app.into_function())
}

/// What `event` did: the source that took it, `invoke` if the invoke handler got it
/// unchanged, or what went wrong.
async fn outcome(event: &str) -> String {
    let seen = Seen::default();
    let answer = every_source(&seen).invoke_raw(event.to_owned()).await;
    let seen = seen.all();
    let took = match seen.first() {
        None => return format!("nothing ran: {answer:?}"),
        Some(first) if first.starts_with("invoke ") => {
            if first["invoke ".len()..] != *event {
                return "invoke, changed".to_owned();
            }
            "invoke".to_owned()
        }
        Some(first) => first.clone(),
    };
    if seen.iter().any(|other| *other != took && took != "invoke") {
        return format!("several sources: {seen:?}");
    }
    match answer {
        Err(error) => format!("{took}, failed: {} {}", error.error_type, error.error_message),
        Ok(answer)
            if answer["batchItemFailures"]
                .as_array()
                .is_some_and(|failed| !failed.is_empty()) =>
        {
            format!("{took}, records failed: {answer}")
        }
        Ok(answer) if took == "http" && answer["statusCode"] != 200 => format!("http, answered {answer}"),
        Ok(_) => took,
    }
}

#[tokio::test]
async fn every_sample_event_reaches_its_source_or_invoke_unchanged() {
    let mut events = fixtures::aws_lambda_events_samples();
    events.extend(
        fixtures::sam_events()
            .into_iter()
            .map(|(name, text)| (format!("sam/{name}"), text)),
    );
    let print = std::env::var_os("LAMBDO_CORPUS_PRINT").is_some();
    let mut wrong = Vec::new();
    for (name, text) in &events {
        let outcome = outcome(text).await;
        if print {
            println!("    ({name:?}, {outcome:?}),");
            continue;
        }
        let expected = EXPECTED
            .iter()
            .find(|(expected_name, _)| expected_name == name)
            .map(|(_, source)| *source);
        if expected != Some(outcome.as_str()) {
            wrong.push(format!("{name}: expected {expected:?}, got {outcome}"));
        }
    }
    let unlisted: Vec<_> = EXPECTED
        .iter()
        .filter(|(name, _)| !events.iter().any(|(event, _)| event == name))
        .collect();
    assert!(
        unlisted.is_empty(),
        "expected events that are not in the corpus: {unlisted:?}"
    );
    assert!(
        wrong.is_empty(),
        "{} of {} events:\n{}",
        wrong.len(),
        events.len(),
        wrong.join("\n")
    );
    assert!(events.len() > 190, "the corpus has {} events", events.len());
}
