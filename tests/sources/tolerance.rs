//! Valid JSON is never refused: a key of an unexpected type means "not this source",
//! inside a record "this record is malformed" (it fails alone), and only a record whose
//! identifier cannot be read fails its batch, naming the record.

use axum::{routing::get, Router};
use lambdo::{dynamodb::Change, kinesis::KinesisRecord, sqs::SqsRecord, App, InvokePayload};
use lambdo_testing::{DynamoDbStreamBatch, KinesisBatch, SqsBatch, TestClient};
use lambdo_tests::{failures, Seen};
use serde_json::{json, Value};

/// Answers with the event exactly as it arrived.
async fn echo(payload: InvokePayload) -> Result<Value, lambdo::BoxError> {
    Ok(json!({ "invoked": String::from_utf8(payload.as_bytes().to_vec())? }))
}

fn http_and_invoke() -> TestClient {
    let router = Router::new().route("/", get(|| async { "http" }));
    TestClient::new(App::new(()).http(router).invoke(echo).into_function())
}

#[tokio::test]
async fn direct_payloads_with_source_keys_of_other_types_reach_invoke_unchanged() {
    let client = http_and_invoke();
    for event in [
        r#"{"id":3}"#,
        r#"{"version":1}"#,
        r#"{"body":{"a":1}}"#,
        r#"{"source":{"x":1}}"#,
        r#"{"path":["a"]}"#,
        r#"{"httpMethod":5,"requestContext":{"stage":"x"}}"#,
        r#"{"isBase64Encoded":"no","cookies":{"a":1},"rawPath":7}"#,
        r#"{"source":"a","detail-type":5,"detail":{}}"#,
        r#"{"Records":[{"eventSource":5}]}"#,
        r#"{"Records":{"eventSource":"aws:sqs"}}"#,
        // Cognito Sync: a numeric version.
        r#"{"version":2,"eventType":"SyncTrigger","region":"us-east-1","identityPoolId":"p","identityId":"i","datasetName":"d","datasetRecords":{}}"#,
        // Numbers beyond f64's range are JSON too (found by tests/fuzz_events.rs).
        "1e999",
        r#"{"headers":6505e822531119203807,"httpMethod":"POST","raw_path":"/api"}"#,
        r#"{"rawPath":"/","headers":{"a":1e999},"requestContext":{"http":{"method":-1e400}}}"#,
        r#"{"Records":[{"eventSource":1e999}],"source":["x",1e999]}"#,
        // An AppSync direct resolver: `source` is the parent object.
        r#"{"arguments":{},"identity":null,"source":{"id":"1"},"request":{"headers":{}},"prev":null,"info":{"fieldName":"f"},"stash":{}}"#,
    ] {
        let answer = client
            .invoke_raw(event)
            .await
            .unwrap_or_else(|error| panic!("{event}: {error:?}"));
        assert_eq!(answer, json!({ "invoked": event }), "{event}");
    }
}

#[tokio::test]
async fn only_bytes_that_are_not_json_are_an_invalid_event() {
    let client = http_and_invoke();
    for bytes in [
        &b"{"[..],
        b"{\"a\":1} x",
        b"\xff\xfe",
        b"",
        b"1e999 x",
        b"{\"body\":1e999",
    ] {
        let error = client.invoke_raw(bytes).await.unwrap_err();
        assert_eq!(error.error_type, "Lambdo.InvalidEvent", "{bytes:?}");
    }
}

#[tokio::test]
async fn authorizer_requests_are_not_answered_as_http_requests() {
    let rest_request = json!({
        "type": "REQUEST", "methodArn": "arn:aws:execute-api:eu-central-1:123456789012:abc/prod/GET/todos",
        "resource": "/todos", "path": "/todos", "httpMethod": "GET", "headers": {"authorization": "t"},
        "requestContext": {"stage": "prod", "requestId": "r-1", "httpMethod": "GET"}
    });
    let http_api_v2 = json!({
        "version": "2.0", "type": "REQUEST", "routeArn": "arn:aws:execute-api:eu-central-1:123456789012:abc/$default/GET/",
        "identitySource": ["t"], "routeKey": "GET /", "rawPath": "/", "rawQueryString": "", "headers": {},
        "requestContext": {"http": {"method": "GET", "path": "/"}, "stage": "$default", "requestId": "r-2"}
    });
    let http_api_v1 = json!({
        "version": "1.0", "type": "REQUEST", "methodArn": "arn:aws:execute-api:eu-central-1:123456789012:abc/$default/GET/",
        "identitySource": "t", "resource": "/", "path": "/", "httpMethod": "GET", "headers": {},
        "requestContext": {"stage": "$default", "requestId": "r-3"}
    });
    let token = json!({"type": "TOKEN", "authorizationToken": "t", "methodArn": "arn:aws:execute-api:x"});
    let client = http_and_invoke();
    for event in [&rest_request, &http_api_v2, &http_api_v1, &token] {
        let answer = client.invoke(event).await.unwrap();
        let invoked: Value = serde_json::from_str(answer["invoked"].as_str().unwrap()).unwrap();
        assert_eq!(&invoked, event);
    }
    // Without an invoke handler, nothing answers them with an HTTP response.
    let router = Router::new().route("/{*path}", get(|| async { "http" }));
    let http_only = TestClient::new(App::new(()).http(router).into_function());
    for event in [&rest_request, &http_api_v2, &http_api_v1, &token] {
        let error = http_only.invoke(event).await.unwrap_err();
        assert_eq!(error.error_type, "Lambdo.UnsupportedEvent", "{event}");
    }
}

async fn sqs_seen(seen: lambdo::State<Seen>, record: SqsRecord) -> Result<(), lambdo::BoxError> {
    seen.0.push(record.message_id().to_owned());
    Ok(())
}

#[tokio::test]
async fn an_sqs_record_with_a_field_of_another_type_fails_alone() {
    for (field, value) in [
        ("body", json!(5)),
        ("body", json!({"a": 1})),
        ("awsRegion", json!(3)),
        ("eventSource", json!(1)),
        ("receiptHandle", json!(["r"])),
    ] {
        let batch = SqsBatch::standard("orders").text("a").text("b").text("c");
        let ids = batch.message_ids();
        let mut event = batch.to_event();
        event["Records"][1][field] = value;
        let seen = Seen::default();
        let client = TestClient::new(App::new(seen.clone()).sqs(sqs_seen).into_function());
        let answer = client.invoke(&event).await.unwrap();
        assert_eq!(failures(&answer), [ids[1].clone()], "{field}");
        assert_eq!(seen.all(), [ids[0].clone(), ids[2].clone()], "{field}");
    }
}

#[tokio::test]
async fn a_record_whose_identifier_cannot_be_read_fails_its_batch_naming_it() {
    async fn kinesis(_record: KinesisRecord) -> Result<(), lambdo::BoxError> {
        panic!("no record of a batch that cannot be answered runs");
    }
    let client = TestClient::new(App::new(()).kinesis(kinesis).into_function());
    let smallest = json!({"Records": [{"awsRegion": [], "eventSource": "aws:kinesis"}]});
    let mut oops = KinesisBatch::new("clicks")
        .record("k", &1)
        .record("k", &2)
        .to_event();
    oops["Records"][1]["kinesis"] = json!("oops");
    for (event, path) in [
        (smallest, "Records[0].kinesis.sequenceNumber"),
        (oops, "Records[1].kinesis.sequenceNumber"),
    ] {
        let error = client.invoke(&event).await.unwrap_err();
        assert_eq!(error.error_type, "Lambdo.EventDecode", "{error:?}");
        assert!(error.error_message.contains(path), "{}", error.error_message);
    }

    let mut dynamodb = DynamoDbStreamBatch::new("todos", &["id"])
        .insert(&json!({"id": "1"}))
        .to_event();
    dynamodb["Records"][0]["dynamodb"] = json!(5);
    let client = TestClient::new(
        App::new(())
            .dynamodb_stream(|_: Change<Value>| async {})
            .into_function(),
    );
    let error = client.invoke(&dynamodb).await.unwrap_err();
    assert!(
        error.error_message.contains("Records[0].dynamodb.SequenceNumber"),
        "{}",
        error.error_message
    );
}

#[tokio::test]
async fn a_stream_record_with_a_field_of_another_type_fails_with_the_records_after_it() {
    let seen = Seen::default();
    let kinesis = |seen: lambdo::State<Seen>, record: KinesisRecord| async move {
        seen.0.push(record.sequence_number().to_owned());
    };
    let batch = KinesisBatch::new("clicks")
        .record("k", &1)
        .record("k", &2)
        .record("k", &3);
    let sequence = batch.sequence_numbers();
    let mut event = batch.to_event();
    event["Records"][1]["kinesis"]["data"] = json!(42);
    let client = TestClient::new(App::new(seen.clone()).kinesis(kinesis).into_function());
    let answer = client.invoke(&event).await.unwrap();
    assert_eq!(failures(&answer), sequence[1..]);
    assert_eq!(seen.all(), sequence[..1]);

    let batch = DynamoDbStreamBatch::new("todos", &["id"])
        .insert(&json!({"id": "1"}))
        .insert(&json!({"id": "2"}));
    let sequence = batch.sequence_numbers();
    let mut event = batch.to_event();
    event["Records"][0]["dynamodb"]["SizeBytes"] = json!("big");
    let client = TestClient::new(
        App::new(())
            .dynamodb_stream(|_: Change<Value>| async {})
            .into_function(),
    );
    let error = client.invoke(&event).await.unwrap_err();
    // Every record failed: the invocation fails (`fail_whole_batch`), naming none lost.
    assert_eq!(error.error_type, "Lambdo.BatchFailed", "{error:?}");
    let lenient = TestClient::new(
        App::new(())
            .dynamodb_stream_with(
                lambdo::batch::BatchOptions::new().fail_whole_batch(false),
                |_: Change<Value>| async {},
            )
            .into_function(),
    );
    assert_eq!(failures(&lenient.invoke(&event).await.unwrap()), sequence);
}

#[tokio::test]
async fn images_with_binary_attributes_decode_into_loose_values() {
    let seen = Seen::default();
    let on_change = |seen: lambdo::State<Seen>, change: Change<Value>| async move {
        if let Change::Insert { new } = change {
            seen.0.push(new.to_string());
        }
    };
    let mut event = DynamoDbStreamBatch::new("files", &["id"])
        .insert(&json!({"id": "1"}))
        .to_event();
    event["Records"][0]["dynamodb"]["NewImage"] = json!({
        "id": {"S": "1"}, "blob": {"B": "AAEC"}, "blobs": {"BS": ["AA==", "/w=="]}
    });
    let client = TestClient::new(App::new(seen.clone()).dynamodb_stream(on_change).into_function());
    let answer = client.invoke(&event).await.unwrap();
    assert_eq!(failures(&answer), Vec::<String>::new());
    assert_eq!(
        seen.all(),
        [json!({"id": "1", "blob": "AAEC", "blobs": ["AA==", "/w=="]}).to_string()]
    );
}
