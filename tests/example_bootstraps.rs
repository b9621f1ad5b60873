//! Every example's release `bootstrap` as a real process under the Lambda emulator, fed
//! real AWS payloads. `scripts/test.sh` builds the release binaries first
//! (`cargo build --release --bins -p todo-api`); a missing binary fails the test.

use std::{path::PathBuf, time::Duration};

use lambdo_testing::{fixtures, Emulator, FunctionConfig, HttpEvent, LogStream, Outcome, PayloadVersion};
use serde_json::{json, Value};

/// `target/release/<name>`, next to the `target/<profile>/deps` this test runs from.
fn release_binary(name: &str) -> PathBuf {
    let test = std::env::current_exe().expect("the test binary's path");
    let target = test
        .ancestors()
        .nth(3)
        .expect("tests run from target/<profile>/deps");
    let binary = target.join("release").join(name);
    assert!(
        binary.exists(),
        "{} is missing: build it with `cargo build --release -p {name}` (scripts/test.sh does)",
        binary.display()
    );
    binary
}

fn response(outcome: Outcome) -> Value {
    match outcome {
        Outcome::Response(value) => value,
        other => panic!("expected a response, got {other:?}"),
    }
}

fn body(response: &Value) -> Value {
    serde_json::from_str(response["body"].as_str().unwrap_or("null")).unwrap_or(Value::Null)
}

#[tokio::test]
async fn todo_api() {
    let config = FunctionConfig::new(release_binary("todo-api"))
        .name("todo-api")
        .timeout(Duration::from_secs(10));
    let emulator = Emulator::start(config).await.unwrap();

    // Every payload version's real sample reaches GET /todos/{id}: 400 for the id "1",
    // which is not a UUID, as a problem response.
    for (version, fixture) in [
        (PayloadVersion::RestV1, fixtures::APIGW_REST_V1),
        (PayloadVersion::HttpV2, fixtures::APIGW_HTTP_V2),
        (PayloadVersion::Alb, fixtures::ALB),
        (PayloadVersion::FunctionUrl, fixtures::FUNCTION_URL),
    ] {
        let event: Value = serde_json::from_str(fixture).unwrap();
        let answer = response(emulator.invoke(&event).await.outcome);
        assert_eq!(answer["statusCode"], 400, "{version:?}: {answer}");
        assert_eq!(body(&answer)["status"], 400, "{version:?}");
    }

    let create = http::Request::post("/todos")
        .header("content-type", "application/json")
        .body(r#"{"title":"ship the emulator"}"#)
        .unwrap();
    let created = emulator
        .invoke(&HttpEvent::new(PayloadVersion::RestV1).from_request(&create))
        .await;
    let answer = response(created.outcome);
    assert_eq!(answer["statusCode"], 201, "{answer}");
    let id = body(&answer)["id"].as_str().unwrap().to_owned();

    let get = http::Request::get(format!("/todos/{id}")).body("").unwrap();
    let fetched = emulator
        .invoke(&HttpEvent::new(PayloadVersion::AlbMultiValue).from_request(&get))
        .await;
    assert!(!fetched.cold_start, "one process serves the whole session");
    let answer = response(fetched.outcome);
    assert_eq!(answer["statusCode"], 200);
    assert_eq!(body(&answer)["title"], "ship the emulator");

    let import = emulator.invoke(&json!({"todos": [{"title": "  "}]})).await;
    match import.outcome {
        Outcome::Error(diagnostic) => assert_eq!(diagnostic.error_type, "TodoImport.InvalidTodo"),
        other => panic!("expected the import to fail, got {other:?}"),
    }

    // Lambda's JSON log format on stdout; the failed invocation is logged with its
    // request id and errorType.
    tokio::time::sleep(Duration::from_millis(200)).await;
    let lines: Vec<Value> = emulator
        .logs()
        .iter()
        .filter(|line| line.stream == LogStream::Stdout)
        .map(|line| serde_json::from_str(&line.text).unwrap_or_else(|_| panic!("not JSON: {}", line.text)))
        .collect();
    assert!(
        lines.iter().any(|line| line["level"] == "ERROR"
            && line["requestId"] == import.request_id.as_str()
            && line["error_type"] == "TodoImport.InvalidTodo"
            && line["function_name"] == "todo-api"),
        "no error line for {} in {lines:#?}",
        import.request_id
    );
    emulator.stop().await;
}
