//! No event value in logs, error messages or problem responses, unless
//! `LAMBDO_LOG_EVENT_VALUES=1` asks for them (see `values_shown`, the one test of its own
//! process that sets it).

use axum::routing::post;
use lambdo::{sqs::Message, App, Json};
use lambdo_testing::{PayloadVersion, SqsBatch, TestClient};
use lambdo_tests::{failures, CapturedLogs};
use serde::Deserialize;
use serde_json::json;

const SECRET: &str = "SECRET-SQS-BODY 4111-1111-1111-1111";

#[derive(Debug, Deserialize)]
#[allow(dead_code)]
struct Order {
    quantity: u32,
    #[serde(default)]
    state: Option<State>,
}

#[derive(Debug, Deserialize)]
enum State {
    Open,
    Closed,
}

async fn on_order(_message: Message<Order>) -> Result<(), lambdo::BoxError> {
    Ok(())
}

async fn create(Json(_order): Json<Order>) -> &'static str {
    "created"
}

async fn direct(Json(_order): Json<Order>) -> Result<(), lambdo::BoxError> {
    Ok(())
}

fn assert_hidden(text: &str) {
    assert!(!text.contains("4111"), "a value leaked: {text}");
    assert!(!text.contains("SECRET"), "a value leaked: {text}");
}

#[tokio::test]
async fn a_record_that_does_not_fit_is_logged_by_path_and_kind() {
    let (logs, _guard) = CapturedLogs::install();
    let batch = SqsBatch::standard("orders")
        .message(&json!({"quantity": SECRET}))
        .message(&json!({"quantity": 1, "state": SECRET}))
        .message(&json!({"quantity": 2}));
    let client = TestClient::new(App::new(()).sqs(on_order).into_function());
    let response = client.invoke(batch.to_event()).await.unwrap();
    let ids = batch.message_ids();
    assert_eq!(failures(&response), [ids[0].clone(), ids[1].clone()]);

    let text = logs.text();
    assert_hidden(&text);
    let lines = logs.lines();
    let errors: Vec<&str> = lines
        .iter()
        .filter(|line| line["level"] == "ERROR")
        .map(|line| line["error"].as_str().unwrap())
        .collect();
    assert_eq!(errors.len(), 2, "{lines:#?}");
    assert!(errors[0].contains("at `quantity`"), "{}", errors[0]);
    assert!(
        errors[0].contains("invalid type: string, expected u32"),
        "{}",
        errors[0]
    );
    assert!(errors[1].contains("at `state`"), "{}", errors[1]);
    assert!(
        errors[1].contains("unknown variant, expected `Open` or `Closed`"),
        "{}",
        errors[1]
    );
}

#[tokio::test]
async fn a_direct_invocation_s_error_message_names_the_path_not_the_value() {
    let (logs, _guard) = CapturedLogs::install();
    let client = TestClient::new(App::new(()).invoke(direct).into_function());
    let diagnostic = client.invoke(json!({"quantity": SECRET})).await.unwrap_err();
    assert_eq!(diagnostic.error_type, "Lambdo.EventDecode");
    assert_hidden(&diagnostic.error_message);
    assert!(
        diagnostic
            .error_message
            .contains("at `quantity`: invalid type: string, expected u32"),
        "{}",
        diagnostic.error_message
    );
    assert_hidden(&logs.text());
}

#[tokio::test]
async fn a_problem_s_detail_names_the_path_not_the_submitted_text() {
    let (logs, _guard) = CapturedLogs::install();
    let router = axum::Router::new().route("/orders", post(create));
    let client = TestClient::new(App::new(()).http(router).into_function());
    for version in [
        PayloadVersion::RestV1,
        PayloadVersion::HttpV2,
        PayloadVersion::Alb,
    ] {
        let request = http::Request::post("/orders")
            .header("content-type", "application/json")
            .body(json!({"quantity": 1, "state": SECRET}).to_string())
            .unwrap();
        let response = client.send(version, request).await;
        assert_eq!(response.status, 422, "{version:?}");
        let problem: serde_json::Value = response.json();
        let detail = problem["detail"].as_str().unwrap();
        assert_hidden(detail);
        assert!(detail.contains("at `state`"), "{detail}");
        assert_eq!(problem["pointer"], "/state");
    }
    assert_hidden(&logs.text());
}
