//! The emulator around a real bootstrap process (`lambdo-test-function`, a lambdo
//! function that misbehaves on request).

use std::{sync::Arc, time::Duration};

use lambdo_testing::{Emulator, FunctionConfig, LogStream, Outcome};
use serde_json::{json, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

fn config() -> FunctionConfig {
    FunctionConfig::new(env!("CARGO_BIN_EXE_lambdo-test-function"))
        .name("misbehaving")
        .timeout(Duration::from_secs(10))
}

fn error_type(outcome: &Outcome) -> &str {
    match outcome {
        Outcome::Error(diagnostic) => &diagnostic.error_type,
        other => panic!("expected an error, got {other:?}"),
    }
}

fn response(outcome: &Outcome) -> &Value {
    match outcome {
        Outcome::Response(value) => value,
        other => panic!("expected a response, got {other:?}"),
    }
}

#[tokio::test]
async fn responses_warm_starts_and_logs() {
    let emulator = Emulator::start(config()).await.unwrap();
    let first = emulator.invoke(&json!({"echo": {"n": 1}})).await;
    assert_eq!(response(&first.outcome), &json!({"n": 1}));
    assert!(first.cold_start);
    assert!(first.init.is_some());
    let second = emulator.invoke(&json!({"echo": "again"})).await;
    assert_eq!(response(&second.outcome), "again");
    assert!(!second.cold_start, "the same process serves the next invocation");
    assert_eq!(second.init, None);
    assert_ne!(first.request_id, second.request_id);
    // The function's output, captured line by line: Lambda's JSON log format, with the
    // function's settings from the environment the emulator gave it.
    tokio::time::sleep(Duration::from_millis(100)).await;
    let lines = emulator.stdout_json();
    for (invocation, cold_start) in [(&first, true), (&second, false)] {
        let line = lines
            .iter()
            .find(|line| line["message"] == "handling" && line["requestId"] == invocation.request_id.as_str())
            .unwrap_or_else(|| panic!("no line for {} in {lines:#?}", invocation.request_id));
        assert_eq!(line["cold_start"], cold_start);
        assert_eq!(line["function_name"], "misbehaving");
        assert_eq!(line["service"], "misbehaving");
        assert_eq!(line["function_memory_size"], 128);
        assert!(line["xray_trace_id"].as_str().unwrap().starts_with("Root=1-"));
    }
}

#[tokio::test]
async fn handler_errors_and_panics_keep_the_process() {
    let emulator = Emulator::start(config()).await.unwrap();
    let failed = emulator.invoke(&json!({"fail": "Orders.Rejected"})).await;
    assert_eq!(error_type(&failed.outcome), "Orders.Rejected");
    let panicked = emulator.invoke(&json!({"panic": "boom"})).await;
    assert_eq!(error_type(&panicked.outcome), "Lambdo.HandlerPanic");
    let after = emulator.invoke(&json!({"echo": 1})).await;
    assert_eq!(response(&after.outcome), 1);
    assert!(!after.cold_start);
}

#[tokio::test]
async fn a_timeout_kills_the_process_and_the_next_invocation_is_cold() {
    let emulator = Emulator::start(config().timeout(Duration::from_millis(700)))
        .await
        .unwrap();
    let warm_up = emulator.invoke(&json!({"echo": 0})).await;
    assert!(warm_up.cold_start);
    let slow = emulator.invoke(&json!({"sleep_ms": 5_000})).await;
    assert_eq!(error_type(&slow.outcome), "Sandbox.Timedout");
    match &slow.outcome {
        Outcome::Error(diagnostic) => {
            assert!(diagnostic.error_message.contains("timed out after 0.70 seconds"))
        }
        _ => unreachable!(),
    }
    let next = emulator.invoke(&json!({"echo": "fresh"})).await;
    assert_eq!(response(&next.outcome), "fresh");
    assert!(next.cold_start, "a timed-out sandbox is replaced");
}

#[tokio::test]
async fn a_crashing_process_fails_its_invocation_only() {
    let emulator = Emulator::start(config()).await.unwrap();
    let crashed = emulator.invoke(&json!({"exit": 3})).await;
    assert_eq!(error_type(&crashed.outcome), "Runtime.ExitError");
    let next = emulator.invoke(&json!({"echo": 2})).await;
    assert_eq!(response(&next.outcome), 2);
    assert!(next.cold_start);
}

#[tokio::test]
async fn init_errors_are_reported() {
    let emulator = Emulator::start(config().env("LAMBDO_TEST_INIT_ERROR", "no config table"))
        .await
        .unwrap();
    let invocation = emulator.invoke(&json!({"echo": 1})).await;
    match &invocation.outcome {
        Outcome::Error(diagnostic) => {
            assert_eq!(diagnostic.error_type, "Runtime.InitError");
            assert_eq!(diagnostic.error_message, "no config table");
        }
        other => panic!("expected an init error, got {other:?}"),
    }
}

#[tokio::test]
async fn payloads_near_the_6_mb_limit() {
    let emulator = Emulator::start(config()).await.unwrap();
    let big = emulator.invoke(&json!({"bytes": 6_000_000})).await;
    assert_eq!(response(&big.outcome).as_str().map(str::len), Some(6_000_000));
    let too_big = emulator.invoke(&json!({"bytes": 6_500_000})).await;
    assert_eq!(error_type(&too_big.outcome), "Lambdo.ResponseTooLarge");
    let large_event = "y".repeat(5_000_000);
    let echoed = emulator.invoke(&json!({"echo": large_event})).await;
    assert_eq!(response(&echoed.outcome).as_str().map(str::len), Some(5_000_000));
    assert!(!echoed.cold_start);
}

/// `curl`-style: the Runtime Interface Emulator's invoke endpoint over TCP.
#[tokio::test]
async fn the_invoke_endpoint() {
    let emulator = Arc::new(Emulator::start(config()).await.unwrap());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(Arc::clone(&emulator).serve_invoke(listener));

    let post = |body: &'static str| async move {
        let mut stream = tokio::net::TcpStream::connect(address).await.unwrap();
        let request = format!(
            "POST {} HTTP/1.1\r\nHost: {address}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            lambdo::INVOKE_PATH,
            body.len()
        );
        stream.write_all(request.as_bytes()).await.unwrap();
        let mut response = String::new();
        tokio::time::timeout(Duration::from_secs(20), stream.read_to_string(&mut response))
            .await
            .unwrap()
            .unwrap();
        response
    };
    let ok = post(r#"{"echo":{"hello":"world"}}"#).await;
    assert!(ok.starts_with("HTTP/1.1 200"), "{ok}");
    assert!(ok.ends_with(r#"{"hello":"world"}"#), "{ok}");
    let failed = post(r#"{"fail":"Orders.Rejected"}"#).await;
    assert!(
        failed
            .to_ascii_lowercase()
            .contains("x-amz-function-error: unhandled"),
        "{failed}"
    );
    assert!(failed.contains(r#""errorType":"Orders.Rejected""#), "{failed}");
    emulator.stop().await;
}

#[tokio::test]
async fn client_context_and_cognito_identity_reach_the_function() {
    let emulator = Emulator::start(config()).await.unwrap();
    let caller = lambdo_testing::Caller {
        client_context: Some(json!({
            "client": {"installation_id": "i-1", "app_title": "Todo", "app_version_name": "1.0",
                       "app_version_code": "1", "app_package_name": "com.example.todo"},
            "custom": {}, "env": {}
        })),
        cognito_identity: Some(
            json!({"cognitoIdentityId": "eu-central-1:abc", "cognitoIdentityPoolId": "eu-central-1:pool"}),
        ),
    };
    let invocation = emulator.invoke_as(&json!({"caller": true}), caller).await;
    assert_eq!(
        response(&invocation.outcome),
        &json!({"identity": "eu-central-1:abc", "app": "Todo"})
    );
}

/// The EMF objects (lines with `_aws`) the function wrote to stdout.
fn emf_objects(emulator: &Emulator) -> Vec<Value> {
    emulator
        .logs()
        .iter()
        .filter(|line| line.stream == LogStream::Stdout)
        .filter_map(|line| serde_json::from_str::<Value>(&line.text).ok())
        .filter(|object| object.get("_aws").is_some())
        .collect()
}

fn metric_names(object: &Value) -> Vec<String> {
    object["_aws"]["CloudWatchMetrics"][0]["Metrics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|definition| definition["Name"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn metrics_reach_stdout_as_emf_even_when_the_invocation_fails() {
    let emulator = Emulator::start(config().env("POWERTOOLS_METRICS_NAMESPACE", "Emulated"))
        .await
        .unwrap();
    let failed = emulator
        .invoke(&json!({"metrics": 150, "fail": "Orders.Rejected"}))
        .await;
    assert_eq!(error_type(&failed.outcome), "Orders.Rejected");
    let answered = emulator.invoke(&json!({"metrics": 1, "echo": 1})).await;
    assert_eq!(response(&answered.outcome), 1);
    tokio::time::sleep(Duration::from_millis(100)).await;

    let objects = emf_objects(&emulator);
    let names: Vec<Vec<String>> = objects.iter().map(metric_names).collect();
    assert_eq!(names.len(), 4, "{names:?}");
    assert_eq!(names[0], ["ColdStart"]);
    assert_eq!(objects[0]["function_name"], "misbehaving");
    assert_eq!(
        (names[1].len(), names[2].len()),
        (100, 50),
        "150 metrics split at 100"
    );
    assert_eq!(names[3], ["M000"], "one ColdStart per process");
    for object in &objects {
        assert_eq!(object["_aws"]["CloudWatchMetrics"][0]["Namespace"], "Emulated");
        assert_eq!(object["service"], "misbehaving");
        assert!(object["_aws"]["Timestamp"].is_u64());
    }
}

#[tokio::test]
async fn the_trace_id_reaches_the_sdk_variable() {
    let emulator = Emulator::start(config()).await.unwrap();
    let first = emulator.invoke(&json!({"trace_env": true})).await;
    let second = emulator.invoke(&json!({"trace_env": true})).await;
    let first = response(&first.outcome).as_str().unwrap().to_owned();
    let second = response(&second.outcome).as_str().unwrap();
    assert!(first.starts_with("Root=1-"), "{first}");
    assert_ne!(first, second, "each invocation has its own trace");
}

/// The Runtime API marks the end of the init phase (Lambda's `Init Duration`): the
/// process's first `/next`; later polls leave it.
#[tokio::test]
async fn the_first_poll_ends_the_init_phase() {
    let api = lambdo_testing::RuntimeApi::start().await.unwrap();
    assert!(api.first_poll().is_none());
    let spawned = std::time::Instant::now();
    let mut process = tokio::process::Command::new(env!("CARGO_BIN_EXE_lambdo-test-function"))
        .envs(api.lambda_env("poller"))
        .stdout(std::process::Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let first = api
        .invoke(&json!({"echo": 1}), Duration::from_secs(10))
        .await
        .unwrap();
    assert_eq!(response(&first), &json!(1));
    let polled = api.first_poll().expect("the process polled");
    assert!(polled > spawned && polled < std::time::Instant::now());
    let second = api
        .invoke(&json!({"echo": 2}), Duration::from_secs(10))
        .await
        .unwrap();
    assert_eq!(response(&second), &json!(2));
    assert_eq!(api.first_poll(), Some(polled));
    process.kill().await.unwrap();
}
