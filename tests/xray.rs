//! Traces to X-Ray: a UDP listener on loopback is the daemon, and every document it
//! receives is checked against the X-Ray segment document's rules for independent
//! subsegments (ids, trace id, parent, times), then for what lambdo puts in them.

use std::time::Duration;

use lambdo::{xray::XRayLayer, App, Context, Json};
use lambdo_testing::{Emulator, FunctionConfig};
use serde_json::{json, Value};
use tokio::net::UdpSocket;
use tracing_subscriber::prelude::*;

const ROOT: &str = "1-5759e988-bd862e3fe1be46a994272793";
const FUNCTION_SEGMENT: &str = "53995c3f42cd8ad8";

/// Every datagram that arrives until none has for `quiet`, as documents.
async fn received(daemon: &UdpSocket, quiet: Duration) -> Vec<Value> {
    let mut documents = Vec::new();
    let mut buffer = vec![0u8; 65_536];
    while let Ok(Ok(size)) = tokio::time::timeout(quiet, daemon.recv(&mut buffer)).await {
        let datagram = std::str::from_utf8(&buffer[..size]).expect("UTF-8 datagrams");
        let (header, document) = datagram
            .split_once('\n')
            .expect("a header line, then the document");
        assert_eq!(header, r#"{"format":"json","version":1}"#);
        documents.push(serde_json::from_str(document).expect("a JSON document"));
    }
    documents
}

fn is_hex(text: &str, len: usize) -> bool {
    text.len() == len
        && text
            .chars()
            .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase())
}

/// The segment document's rules for a subsegment sent on its own.
fn check_schema(document: &Value) {
    let name = document["name"].as_str().expect("a name");
    assert!(!name.is_empty() && name.len() <= 200, "{document}");
    assert!(is_hex(document["id"].as_str().unwrap(), 16), "{document}");
    let trace_id = document["trace_id"].as_str().expect("a trace id");
    let parts: Vec<&str> = trace_id.split('-').collect();
    assert!(
        parts.len() == 3 && parts[0] == "1" && is_hex(parts[1], 8) && is_hex(parts[2], 24),
        "{trace_id}"
    );
    assert_eq!(document["type"], "subsegment", "{document}");
    assert!(
        is_hex(document["parent_id"].as_str().expect("a parent"), 16),
        "{document}"
    );
    let start = document["start_time"].as_f64().expect("a start time");
    assert!(start > 1.7e9, "seconds since the epoch: {start}");
    match document.get("end_time") {
        Some(end) => assert!(end.as_f64().unwrap() >= start, "{document}"),
        None => assert_eq!(document["in_progress"], true, "{document}"),
    }
}

fn by_name<'a>(documents: &'a [Value], name: &str) -> &'a Value {
    documents
        .iter()
        .find(|document| document["name"] == name)
        .unwrap_or_else(|| panic!("no subsegment {name} in {documents:#?}"))
}

#[derive(serde::Deserialize)]
struct Charge {
    customer: String,
    cents: u64,
}

#[tracing::instrument(skip(cents), fields(annotation.customer = customer, cents))]
async fn charge(customer: &str, cents: u64) -> Result<(), lambdo::BoxError> {
    tracing::Span::current().record("cents", cents);
    if cents == 0 {
        return Err("nothing to charge".into());
    }
    Ok(())
}

async fn handle(Json(order): Json<Charge>) -> Result<u64, lambdo::BoxError> {
    charge(&order.customer, order.cents).await?;
    Ok(order.cents)
}

fn context(sampled: bool) -> Context {
    let mut context = Context::default();
    context.request_id = "00000000-0000-4000-8000-000000000001".into();
    context.xray_trace_id = Some(format!(
        "Root={ROOT};Parent={FUNCTION_SEGMENT};Sampled={}",
        u8::from(sampled)
    ));
    context
}

#[tokio::test(flavor = "current_thread")]
async fn sampled_invocations_send_lambdos_and_the_users_spans_as_subsegments() {
    let daemon = UdpSocket::bind("127.0.0.1:0").await.unwrap();
    let layer = XRayLayer::new(daemon.local_addr().unwrap(), "shop");
    let _default = tracing::subscriber::set_default(tracing_subscriber::registry().with(layer));
    let function = App::new(()).invoke(handle).into_function();

    let event = json!({"customer": "c-42", "cents": 1250}).to_string();
    function.call(event.into(), context(true)).await.unwrap();
    let documents = received(&daemon, Duration::from_millis(300)).await;
    assert_eq!(documents.len(), 2, "{documents:#?}");
    documents.iter().for_each(check_schema);
    let invocation = by_name(&documents, "Invocation");
    let charge = by_name(&documents, "charge");
    for document in &documents {
        assert_eq!(document["trace_id"], ROOT);
    }
    // Under the function's segment, the user's span under lambdo's.
    assert_eq!(invocation["parent_id"], FUNCTION_SEGMENT);
    assert_eq!(charge["parent_id"], invocation["id"]);
    assert_eq!(
        invocation["annotations"],
        json!({"ColdStart": true, "Service": "shop"})
    );
    assert_eq!(charge["annotations"], json!({"customer": "c-42"}));
    assert_eq!(charge["metadata"]["default"]["cents"], 1250);
    assert!(
        invocation.get("fault").is_none() && invocation.get("error").is_none(),
        "{invocation}"
    );
    let (start, end) = (
        invocation["start_time"].as_f64().unwrap(),
        invocation["end_time"].as_f64().unwrap(),
    );
    assert!(charge["start_time"].as_f64().unwrap() >= start && charge["end_time"].as_f64().unwrap() <= end);

    // A failed invocation is a fault, with its cause.
    let event = json!({"customer": "c-42", "cents": 0}).to_string();
    function.call(event.into(), context(true)).await.unwrap_err();
    let documents = received(&daemon, Duration::from_millis(300)).await;
    documents.iter().for_each(check_schema);
    let invocation = by_name(&documents, "Invocation");
    assert_eq!(invocation["fault"], true, "{invocation}");
    assert_eq!(invocation["annotations"]["ColdStart"], false);
    let exception = &invocation["cause"]["exceptions"][0];
    assert_eq!(exception["type"], "Lambdo.HandlerError");
    assert_eq!(exception["message"], "nothing to charge");
    assert!(is_hex(exception["id"].as_str().unwrap(), 16));

    // Unsampled: nothing is sent.
    let event = json!({"customer": "c-42", "cents": 5}).to_string();
    function.call(event.into(), context(false)).await.unwrap();
    assert!(received(&daemon, Duration::from_millis(300)).await.is_empty());
}

/// A real bootstrap under the emulator (whose trace headers are sampled) with
/// `AWS_XRAY_DAEMON_ADDRESS` set, as Lambda sets it: its invocations' subsegments
/// arrive, each under its own invocation's trace.
#[tokio::test]
async fn a_bootstrap_in_lambda_sends_each_invocations_subsegment() {
    let daemon = UdpSocket::bind("127.0.0.1:0").await.unwrap();
    let address = daemon.local_addr().unwrap();
    let config = FunctionConfig::new(env!("CARGO_BIN_EXE_probe"))
        .name("probe")
        .env(
            "AWS_XRAY_DAEMON_ADDRESS",
            format!("udp:{address} tcp:127.0.0.1:2000"),
        )
        .timeout(Duration::from_secs(10));
    let emulator = Emulator::start(config).await.unwrap();
    let first = emulator.invoke(&json!({"tag": 1})).await;
    let second = emulator.invoke(&json!({"tag": 2})).await;
    let documents = received(&daemon, Duration::from_millis(500)).await;
    emulator.stop().await;
    documents.iter().for_each(check_schema);
    let invocations: Vec<&Value> = documents
        .iter()
        .filter(|document| document["name"] == "Invocation")
        .collect();
    assert_eq!(invocations.len(), 2, "{documents:#?}");
    for (invocation, document) in [&first, &second].into_iter().zip(invocations) {
        let header = match &invocation.outcome {
            lambdo_testing::Outcome::Response(answer) => answer["xray_trace_id"].as_str().unwrap().to_owned(),
            other => panic!("expected a response, got {other:?}"),
        };
        assert!(
            header.contains(&format!("Root={}", document["trace_id"].as_str().unwrap())),
            "{header}"
        );
        assert!(
            header.contains(&format!("Parent={}", document["parent_id"].as_str().unwrap())),
            "{header}"
        );
        assert_eq!(document["annotations"]["Service"], "probe");
    }
}

#[derive(Debug, serde::Serialize, serde::Deserialize)]
struct Item {
    pk: String,
    note: String,
}

/// lambdo-dynamodb's calls (moto's DynamoDB: `LAMBDO_DYNAMODB_ENDPOINT`, or one the
/// test starts) are AWS subsegments under the invocation's: service, operation, table,
/// region; a call that fails is marked an error.
#[tokio::test(flavor = "current_thread")]
async fn dynamodb_calls_are_aws_subsegments_of_their_invocation() {
    let client =
        aws_sdk_dynamodb::Client::new(&lambdo_testing::moto_config(&lambdo_testing::moto_endpoint()));
    let name = lambdo_testing::create_table(&client, "traced", &["pk"]).await;
    let table: lambdo_dynamodb::Table<Item> = lambdo_dynamodb::Table::new(&client, &name, "pk");
    let missing: lambdo_dynamodb::Table<Item> = lambdo_dynamodb::Table::new(&client, "no-such-table", "pk");

    let daemon = UdpSocket::bind("127.0.0.1:0").await.unwrap();
    let layer = XRayLayer::new(daemon.local_addr().unwrap(), "notes");
    let _default = tracing::subscriber::set_default(tracing_subscriber::registry().with(layer));
    let function = App::new((table, missing))
        .invoke(
            |lambdo::State((table, missing)): lambdo::State<(
                lambdo_dynamodb::Table<Item>,
                lambdo_dynamodb::Table<Item>,
            )>,
             Json(note): Json<String>| async move {
                table
                    .put(&Item {
                        pk: "n-1".into(),
                        note,
                    })
                    .await?;
                let found = table.get(&json!({"pk": "n-1"})).await?;
                assert!(missing.get(&json!({"pk": "n-1"})).await.is_err());
                Ok::<_, lambdo::BoxError>(found.map(|item| item.note))
            },
        )
        .into_function();
    let answer = function
        .call(r#""buy milk""#.into(), context(true))
        .await
        .unwrap();
    assert_eq!(answer.get(), r#""buy milk""#);

    let documents = received(&daemon, Duration::from_millis(300)).await;
    documents.iter().for_each(check_schema);
    let invocation = by_name(&documents, "Invocation");
    let calls: Vec<&Value> = documents
        .iter()
        .filter(|document| document["name"] == "DynamoDB")
        .collect();
    assert_eq!(calls.len(), 3, "{documents:#?}");
    let operations: Vec<&str> = calls
        .iter()
        .map(|call| call["aws"]["operation"].as_str().unwrap())
        .collect();
    assert_eq!(operations, ["PutItem", "GetItem", "GetItem"]);
    for call in &calls {
        assert_eq!(call["namespace"], "aws", "{call}");
        assert_eq!(call["parent_id"], invocation["id"]);
        assert_eq!(call["aws"]["region"], "eu-central-1");
    }
    assert_eq!(calls[0]["aws"]["table_name"], name.as_str());
    assert!(calls[0].get("error").is_none() && calls[1].get("error").is_none());
    assert_eq!(calls[2]["aws"]["table_name"], "no-such-table");
    assert_eq!(calls[2]["error"], true, "{}", calls[2]);
}
