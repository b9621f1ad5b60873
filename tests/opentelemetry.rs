//! Traces to OpenTelemetry: lambdo's example `examples/opentelemetry.rs` runs as a
//! bootstrap under the emulator and exports over OTLP/HTTP (JSON) to a real receiver
//! on loopback, which keeps every request's spans.

use std::time::Duration;

use axum::{routing::post, Router};
use lambdo_testing::{Emulator, FunctionConfig, Invocation, Outcome};
use serde_json::{json, Value};
use tokio::sync::mpsc;

/// An OTLP/HTTP receiver: each `POST /v1/traces` body, as JSON, goes to the channel.
async fn receiver() -> (String, mpsc::UnboundedReceiver<Value>) {
    let (sender, received) = mpsc::unbounded_channel();
    let app = Router::new().route(
        "/v1/traces",
        post(move |body: axum::body::Bytes| {
            let sender = sender.clone();
            async move {
                let request: Value = serde_json::from_slice(&body).expect("OTLP's JSON encoding");
                let _ = sender.send(request);
                ([("content-type", "application/json")], "{}")
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    (format!("http://{address}"), received)
}

/// The spans of the export requests received so far.
fn spans(received: &mut mpsc::UnboundedReceiver<Value>) -> Vec<Value> {
    let mut spans = Vec::new();
    while let Ok(request) = received.try_recv() {
        for resource in request["resourceSpans"].as_array().expect("resource spans") {
            let service = attribute(&resource["resource"], "service.name");
            assert_eq!(service, json!({"stringValue": "charges"}), "{resource}");
            for scope in resource["scopeSpans"].as_array().expect("scope spans") {
                spans.extend(scope["spans"].as_array().expect("spans").iter().cloned());
            }
        }
    }
    spans
}

/// Waits (bounded) until spans arrive.
async fn spans_within(received: &mut mpsc::UnboundedReceiver<Value>, wait: Duration) -> Vec<Value> {
    let deadline = tokio::time::Instant::now() + wait;
    let mut all = spans(received);
    while all.is_empty() && tokio::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
        all = spans(received);
    }
    all
}

fn attribute(owner: &Value, key: &str) -> Value {
    owner["attributes"]
        .as_array()
        .and_then(|attributes| attributes.iter().find(|attribute| attribute["key"] == key))
        .map_or(Value::Null, |attribute| attribute["value"].clone())
}

fn named<'a>(spans: &'a [Value], name: &str) -> &'a Value {
    spans
        .iter()
        .find(|span| span["name"] == name)
        .unwrap_or_else(|| panic!("no span {name} in {spans:#?}"))
}

/// The OpenTelemetry ids in the invocation's X-Ray trace header: the trace id (the
/// root without its version and dashes) and the parent span's.
fn ids(invocation: &Invocation) -> (String, String) {
    let field = |name: &str| {
        invocation
            .trace_id
            .split(';')
            .find_map(|part| part.strip_prefix(name))
            .unwrap_or_else(|| panic!("{name} in {}", invocation.trace_id))
    };
    let root = field("Root=")
        .strip_prefix("1-")
        .expect("version 1")
        .replace('-', "");
    (root, field("Parent=").to_owned())
}

/// OTLP's span kinds and status codes.
const SERVER: i64 = 2;
const STATUS_ERROR: i64 = 2;

#[tokio::test]
async fn the_example_exports_each_invocations_spans_before_it_takes_the_next_event() {
    let (endpoint, mut received) = receiver().await;
    let config = FunctionConfig::new(env!("CARGO_BIN_EXE_opentelemetry-example"))
        .name("charges")
        .env("OTEL_EXPORTER_OTLP_ENDPOINT", endpoint)
        .timeout(Duration::from_secs(10));
    let emulator = Emulator::start(config).await.unwrap();
    let charged = emulator.invoke(&json!({"customer": "c-1", "cents": 1250})).await;
    match &charged.outcome {
        Outcome::Response(receipt) => assert_eq!(receipt, &json!({"customer": "c-1", "cents": 1250})),
        other => panic!("expected a receipt, got {other:?}"),
    }
    let refused = emulator.invoke(&json!({"customer": "c-1", "cents": 0})).await;
    assert!(matches!(&refused.outcome, Outcome::Error(_)), "{refused:?}");

    // The first invocation's spans were exported before the function asked for the
    // second event: they are here already, without waiting.
    let first = spans(&mut received);
    let invocation = named(&first, "charges");
    let authorize = named(&first, "authorize");
    let (trace_id, parent) = ids(&charged);
    assert_eq!(invocation["traceId"], trace_id.as_str(), "{invocation}");
    assert_eq!(
        invocation["parentSpanId"],
        parent.as_str(),
        "joins Lambda's X-Ray trace"
    );
    assert_eq!(invocation["kind"], SERVER, "{invocation}");
    assert_eq!(
        attribute(invocation, "faas.invocation_id"),
        json!({"stringValue": charged.request_id})
    );
    assert_eq!(
        attribute(invocation, "faas.coldstart"),
        json!({"boolValue": true})
    );
    assert_eq!(
        attribute(invocation, "faas.name"),
        json!({"stringValue": "charges"})
    );
    let arn = attribute(invocation, "cloud.resource_id");
    assert!(
        arn["stringValue"]
            .as_str()
            .unwrap()
            .ends_with(":function:charges"),
        "{arn}"
    );
    assert_eq!(authorize["traceId"], trace_id.as_str());
    assert_eq!(
        authorize["parentSpanId"], invocation["spanId"],
        "the user's span under lambdo's"
    );
    assert_eq!(attribute(authorize, "customer"), json!({"stringValue": "c-1"}));
    let (start, end) = (
        invocation["startTimeUnixNano"]
            .as_str()
            .unwrap()
            .parse::<u128>()
            .unwrap(),
        invocation["endTimeUnixNano"]
            .as_str()
            .unwrap()
            .parse::<u128>()
            .unwrap(),
    );
    assert!(start < end, "{invocation}");
    assert!(invocation
        .get("status")
        .is_none_or(|status| status.get("code").is_none_or(|code| code != STATUS_ERROR)));

    // The failed invocation: its span's status is the error, in its own trace.
    let second = spans_within(&mut received, Duration::from_secs(5)).await;
    let failed = named(&second, "charges");
    let (trace_id, parent) = ids(&refused);
    assert_eq!(failed["traceId"], trace_id.as_str());
    assert_eq!(failed["parentSpanId"], parent.as_str());
    assert_eq!(failed["status"]["code"], STATUS_ERROR, "{failed}");
    assert_eq!(attribute(failed, "faas.coldstart"), json!({"boolValue": false}));
    let failure = failed["events"]
        .as_array()
        .and_then(|events| {
            events
                .iter()
                .find(|event| attribute(event, "error_type").is_object())
        })
        .unwrap_or_else(|| panic!("the failure's log line as an event: {failed}"));
    assert_eq!(
        attribute(failure, "error_type"),
        json!({"stringValue": "Lambdo.HandlerError"})
    );
    emulator.stop().await;
}

/// No collector listening: every invocation is answered, and the failed exports are one
/// warning, not one per invocation.
#[tokio::test]
async fn a_missing_collector_fails_no_invocation_and_is_said_once() {
    let closed = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let endpoint = format!("http://{}", closed.local_addr().unwrap());
    drop(closed);
    let config = FunctionConfig::new(env!("CARGO_BIN_EXE_opentelemetry-example"))
        .name("charges")
        .env("OTEL_EXPORTER_OTLP_ENDPOINT", endpoint)
        .timeout(Duration::from_secs(10));
    let emulator = Emulator::start(config).await.unwrap();
    for cents in [100, 200, 300] {
        let charged = emulator.invoke(&json!({"customer": "c-2", "cents": cents})).await;
        assert!(matches!(&charged.outcome, Outcome::Response(_)), "{charged:?}");
    }
    emulator.stop().await;
    let warnings: Vec<Value> = emulator
        .stdout_json()
        .into_iter()
        .filter(|line| line["level"] == "WARN")
        .collect();
    assert_eq!(warnings.len(), 1, "{warnings:#?}");
    assert!(
        warnings[0]["message"]
            .as_str()
            .unwrap()
            .contains("could not be exported"),
        "{warnings:#?}"
    );
}
