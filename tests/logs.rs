//! Lambda's JSON log format: every line parses, carries the invocation's fields, and
//! `cold_start` flips after the first invocation.

use axum::routing::get;
use lambdo::{App, FunctionError, Json};
use lambdo_testing::{fixtures, PayloadVersion, TestClient};
use lambdo_tests::CapturedLogs;
use serde_json::json;

async fn show(axum::extract::Path(id): axum::extract::Path<u32>) -> String {
    tracing::info!(todo_id = id, level = "shadowed", "showing a todo");
    format!("todo {id}")
}

async fn import(Json(count): Json<u32>) -> Result<u32, FunctionError> {
    tracing::warn!(count, "importing");
    if count == 0 {
        return Err(FunctionError::new("Import.Empty", "nothing to import"));
    }
    Ok(count)
}

#[tokio::test]
async fn every_line_is_lambda_json_with_the_invocation_fields() {
    let (captured, _guard) = CapturedLogs::install();

    let app = App::new(())
        .http(axum::Router::new().route("/todos/{id}", get(show)))
        .invoke(import);
    let client = TestClient::new(app.into_function());
    let first = client
        .send_event(
            PayloadVersion::HttpV2,
            serde_json::from_str(fixtures::APIGW_HTTP_V2).unwrap(),
        )
        .await;
    assert_eq!(first.text(), "todo 1");
    assert!(client.invoke(3).await.is_ok());
    tracing::info!("between invocations");

    let lines = captured.lines();
    assert_eq!(lines.len(), 3, "{lines:#?}");
    for line in &lines {
        let timestamp = line["timestamp"].as_str().expect("a timestamp");
        assert_eq!(timestamp.len(), "2026-11-28T17:30:11.123Z".len(), "{timestamp}");
        assert!(timestamp.ends_with('Z') && timestamp.as_bytes()[19] == b'.');
        assert!(line["level"].is_string());
        assert!(line["message"].is_string());
    }

    let http_line = &lines[0];
    assert_eq!(http_line["message"], "showing a todo");
    assert_eq!(http_line["level"], "INFO");
    assert_eq!(http_line["requestId"], "00000000-0000-4000-8000-000000000001");
    assert_eq!(http_line["cold_start"], true);
    assert_eq!(
        http_line["correlation_id"], "Yb8mKiDNFiAEPcw=",
        "API Gateway's request id"
    );
    assert!(http_line["function_arn"]
        .as_str()
        .unwrap()
        .starts_with("arn:aws:lambda:"));
    assert_eq!(http_line["todo_id"], 1);
    assert_eq!(
        http_line["field_level"], "shadowed",
        "user fields never overwrite lambdo's"
    );

    let invoke_line = &lines[1];
    assert_eq!(invoke_line["level"], "WARN");
    assert_eq!(
        invoke_line["cold_start"], false,
        "only the first invocation is a cold start"
    );
    assert_eq!(invoke_line["count"], 3);
    assert!(invoke_line.get("correlation_id").is_none());

    let outside = &lines[2];
    assert!(outside.get("requestId").is_none(), "no invocation, no request id");
}

#[tokio::test]
async fn authorization_and_cookies_never_reach_the_logs() {
    let (captured, _guard) = CapturedLogs::install();

    async fn fail() -> Result<String, lambdo::http::Problem> {
        Err(lambdo::http::Problem::internal("the database refused us"))
    }
    let app = App::new(()).http(axum::Router::new().route("/fail", get(fail)));
    let client = TestClient::new(app.into_function());
    let request = http::Request::get("/fail")
        .header("authorization", "Bearer s3cr3t-t0ken")
        .header("cookie", "session=c00kie-v4lue")
        .header("x-api-key", "k3y-v4lue")
        .body("")
        .unwrap();
    for version in PayloadVersion::ALL {
        assert_eq!(client.send(version, request_clone(&request)).await.status, 500);
    }
    let text = captured.text();
    assert!(
        text.contains("the database refused us"),
        "the 500's cause is logged"
    );
    for secret in ["s3cr3t-t0ken", "c00kie-v4lue", "k3y-v4lue"] {
        assert!(!text.contains(secret), "{secret} leaked into {text}");
    }
    for line in captured.lines() {
        assert_eq!(line["level"], "ERROR");
        assert!(line["requestId"].is_string());
    }
}

fn request_clone(request: &http::Request<&'static str>) -> http::Request<&'static str> {
    let mut clone = http::Request::builder()
        .method(request.method())
        .uri(request.uri());
    for (name, value) in request.headers() {
        clone = clone.header(name, value);
    }
    clone.body(*request.body()).unwrap()
}

#[test]
fn reserved_json_is_written_once_per_line() {
    // A message with a newline stays one line: JSON escapes it.
    let (captured, guard) = CapturedLogs::install();
    tracing::error!(details = ?json!({"a": [1, 2]}), "two\nlines");
    drop(guard);
    let lines = captured.lines();
    assert_eq!(lines.len(), 1);
    assert_eq!(lines[0]["message"], "two\nlines");
}

/// An invocation whose only work is one record (an SNS notification, an EventBridge
/// event) logs in the invocation's span, which then carries the record's identifier; a
/// batch's records each log in their own span.
#[tokio::test]
async fn single_record_invocations_carry_the_record_id() {
    use lambdo::{eventbridge::Event, sns::Notification, sqs::Message};

    async fn on_notification(notification: Notification<serde_json::Value>) {
        tracing::info!(kind = "sns", "notified");
        assert!(notification.message.is_object());
    }
    async fn on_event(event: Event<serde_json::Value>) {
        tracing::info!(kind = "eventbridge", "event");
        assert!(event.detail.is_object());
    }
    async fn on_message(message: Message<serde_json::Value>) {
        tracing::info!(kind = "sqs", "message");
        assert!(message.body.is_object());
    }

    let (captured, _guard) = CapturedLogs::install();
    let app = App::new(())
        .sns(on_notification)
        .eventbridge("orders", "OrderPlaced", on_event)
        .sqs(on_message);
    let client = TestClient::new(app.into_function());
    let sns = lambdo_testing::sns_event("orders", &json!({"n": 1}));
    let eventbridge = lambdo_testing::eventbridge_event("orders", "OrderPlaced", &json!({"n": 2}));
    let sqs = lambdo_testing::SqsBatch::standard("orders")
        .message(&json!({"n": 3}))
        .message(&json!({"n": 4}))
        .to_event();
    for event in [&sns, &eventbridge, &sqs] {
        assert!(client.invoke(event).await.is_ok());
    }

    let lines = captured.lines();
    let correlation = |kind: &str| -> Vec<serde_json::Value> {
        lines
            .iter()
            .filter(|line| line["kind"] == kind)
            .map(|line| line["correlation_id"].clone())
            .collect()
    };
    assert_eq!(
        correlation("sns"),
        [sns["Records"][0]["Sns"]["MessageId"].clone()]
    );
    assert_eq!(correlation("eventbridge"), [eventbridge["id"].clone()]);
    let message_ids: Vec<_> = sqs["Records"]
        .as_array()
        .unwrap()
        .iter()
        .map(|record| record["messageId"].clone())
        .collect();
    assert_eq!(correlation("sqs"), message_ids);
}
