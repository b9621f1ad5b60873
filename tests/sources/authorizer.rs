//! API Gateway Lambda authorizers: every request payload lambdo takes, every kind of
//! answer, and failures answered as API Gateway expects (never an HTTP response).

use lambdo::{
    authorizer::{Authorization, AuthorizerRequest, Unauthorized},
    App,
};
use lambdo_testing::{fixtures, TestClient};
use serde_json::{json, Value};

fn sample(name: &str) -> String {
    fixtures::aws_lambda_events_samples()
        .into_iter()
        .chain(fixtures::sam_events())
        .find(|(file, _)| file == name)
        .unwrap_or_else(|| panic!("no sample {name}"))
        .1
}

/// Answers with what it was given: the kind of request, its ARN and token.
async fn describe(request: AuthorizerRequest) -> Result<Authorization, lambdo::BoxError> {
    let kind = match &request {
        AuthorizerRequest::Token(_) => "token",
        AuthorizerRequest::Request(_) => "request",
        AuthorizerRequest::HttpV1(_) => "http-1.0",
        AuthorizerRequest::HttpV2(_) => "http-2.0",
        _ => "other",
    };
    Ok(Authorization::allow("user", request.resource_arn())
        .with_context("kind", kind)
        .with_context("token", request.token().unwrap_or("-").to_owned()))
}

#[tokio::test]
async fn every_authorizer_request_reaches_the_handler_in_its_form() {
    let client = TestClient::new(App::new(()).authorizer(describe).into_function());
    for (name, kind, arn) in [
        (
            "example-apigw-custom-auth-request.json",
            "token",
            "arn:aws:execute-api:us-west-2:123456789012:ymy8tbxw7b/*/GET/",
        ),
        ("apigateway-authorizer.json", "token", ""),
        (
            "example-apigw-custom-auth-request-type-request.json",
            "request",
            "",
        ),
        ("apigateway-request-authorizer.json", "request", ""),
        (
            "example-apigw-v2-custom-authorizer-v1-request.json",
            "http-1.0",
            "",
        ),
        (
            "example-apigw-v2-custom-authorizer-v2-request.json",
            "http-2.0",
            "",
        ),
        (
            "example-apigw-v2-custom-authorizer-v2-request-null-maps.json",
            "http-2.0",
            "",
        ),
        (
            "example-apigw-v2-custom-authorizer-v2-request-without-cookies.json",
            "http-2.0",
            "",
        ),
        (
            "example-apigw-v2-custom-authorizer-v2-request-without-identity-source.json",
            "http-2.0",
            "",
        ),
        (
            "example-apigw-v2-custom-authorizer-websocket-request.json",
            "request",
            "",
        ),
    ] {
        let text = sample(name);
        let event: Value = serde_json::from_str(&text).unwrap();
        let expected_arn = event["methodArn"]
            .as_str()
            .or(event["routeArn"].as_str())
            .unwrap();
        if !arn.is_empty() {
            assert_eq!(expected_arn, arn);
        }
        let answer = client
            .invoke_raw(text)
            .await
            .unwrap_or_else(|error| panic!("{name}: {error:?}"));
        assert_eq!(answer["principalId"], "user", "{name}");
        assert_eq!(answer["context"]["kind"], kind, "{name}");
        let statement = &answer["policyDocument"]["Statement"][0];
        assert_eq!(statement["Effect"], "Allow", "{name}");
        assert_eq!(statement["Action"], json!(["execute-api:Invoke"]), "{name}");
        assert_eq!(statement["Resource"], json!([expected_arn]), "{name}");
        assert_eq!(answer["policyDocument"]["Version"], "2012-10-17");
        let token = event["authorizationToken"]
            .as_str()
            .or(event["headers"]["authorization"].as_str())
            .or(event["headers"]["Authorization"].as_str())
            .unwrap_or("-");
        assert_eq!(answer["context"]["token"], token, "{name}");
    }
}

#[tokio::test]
async fn answers_are_policies_simple_responses_or_failures_api_gateway_reads() {
    async fn decide(request: AuthorizerRequest) -> Result<Authorization, Unauthorized> {
        let arn = request.resource_arn().to_owned();
        match request.token() {
            Some("allow") => Ok(Authorization::allow("u-1", arn)
                .and_deny("arn:aws:execute-api:eu-central-1:1:api/prod/DELETE/*")
                .with_context("admin", false)
                .with_context("seats", 3)
                .with_usage_identifier_key("plan-key")),
            Some("deny") => Ok(Authorization::deny("u-2", arn)),
            Some("simple-yes") => Ok(Authorization::simple(true).with_context("user", "u-3")),
            Some("simple-no") => Ok(Authorization::simple(false)),
            _ => Err(Unauthorized),
        }
    }
    let client = TestClient::new(App::new(()).authorizer(decide).into_function());
    let token = |token: &str| json!({"type": "TOKEN", "authorizationToken": token, "methodArn": "arn:aws:execute-api:eu-central-1:1:api/prod/GET/todos"});

    let allowed = client.invoke(token("allow")).await.unwrap();
    assert_eq!(
        allowed,
        json!({
            "principalId": "u-1",
            "policyDocument": {"Version": "2012-10-17", "Statement": [
                {"Action": ["execute-api:Invoke"], "Effect": "Allow", "Resource": ["arn:aws:execute-api:eu-central-1:1:api/prod/GET/todos"]},
                {"Action": ["execute-api:Invoke"], "Effect": "Deny", "Resource": ["arn:aws:execute-api:eu-central-1:1:api/prod/DELETE/*"]}
            ]},
            "context": {"admin": false, "seats": 3},
            "usageIdentifierKey": "plan-key"
        })
    );
    let denied = client.invoke(token("deny")).await.unwrap();
    assert_eq!(denied["policyDocument"]["Statement"][0]["Effect"], "Deny");
    assert_eq!(
        client.invoke(token("simple-yes")).await.unwrap(),
        json!({"isAuthorized": true, "context": {"user": "u-3"}})
    );
    assert_eq!(
        client.invoke(token("simple-no")).await.unwrap()["isAuthorized"],
        false
    );

    // REST APIs answer 401 to a function error whose message is exactly `Unauthorized`.
    let refused = client.invoke(token("nonsense")).await.unwrap_err();
    assert_eq!(refused.error_message, "Unauthorized");
    assert_eq!(refused.error_type, "Lambdo.Unauthorized");
}

#[tokio::test]
async fn an_authorizer_request_that_does_not_decode_fails_naming_the_field() {
    let client = TestClient::new(App::new(()).authorizer(describe).into_function());
    let event = json!({"type": "REQUEST", "methodArn": "arn", "httpMethod": "NOT A METHOD", "headers": {}});
    let error = client.invoke(&event).await.unwrap_err();
    assert_eq!(error.error_type, "Lambdo.EventDecode");
    assert!(
        error.error_message.contains("httpMethod"),
        "{}",
        error.error_message
    );
}

#[tokio::test]
async fn an_app_with_routes_and_an_authorizer_answers_each_its_own_way() {
    let router = axum::Router::new().route("/", axum::routing::any(|| async { "route" }));
    let client = TestClient::new(App::new(()).http(router).authorizer(describe).into_function());
    let authorizer = client
        .invoke_raw(sample("example-apigw-v2-custom-authorizer-v2-request.json"))
        .await
        .unwrap();
    assert_eq!(authorizer["context"]["kind"], "http-2.0");
    let request = client
        .invoke_raw(sample("example-apigw-v2-request-no-authorizer.json"))
        .await
        .unwrap();
    assert_eq!(request["statusCode"], 200);
    assert_eq!(request["body"], "route");
}
