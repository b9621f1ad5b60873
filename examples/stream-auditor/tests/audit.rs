//! The stream auditor on DynamoDB Streams batches of the todos table, in process: the
//! metric each change kind counts in, a malformed image failing its record (and the
//! rest of its shard), a deletion by time to live told from a client's.

use lambdo_testing::{batch_failures, CapturedMetrics, DynamoDbStreamBatch, TestClient};
use serde_json::{json, Value};

fn todo(id: &str, title: &str, completed: bool) -> Value {
    json!({"pk": "todos", "id": id, "title": title, "completed": completed, "version": 1})
}

const A: &str = "0190f1a2-0000-7000-8000-000000000001";
const B: &str = "0190f1a2-0000-7000-8000-000000000002";

/// The auditor with its EMF metrics captured.
fn auditor() -> (TestClient, CapturedMetrics) {
    let metrics = CapturedMetrics::default();
    let function = stream_auditor::app()
        .metrics(metrics.config("lambdo-examples", "stream-auditor"))
        .into_function();
    (TestClient::new(function), metrics)
}

/// Each metric's total over the captured EMF objects, ColdStart aside.
fn counted(metrics: &CapturedMetrics) -> Vec<(String, f64)> {
    let mut names: Vec<String> = metrics
        .objects()
        .iter()
        .flat_map(|emf| {
            let definitions = emf["_aws"]["CloudWatchMetrics"][0]["Metrics"]
                .as_array()
                .unwrap()
                .clone();
            definitions
                .into_iter()
                .map(|definition| definition["Name"].as_str().unwrap().to_owned())
        })
        .filter(|name| name != "ColdStart")
        .collect();
    names.sort();
    names.dedup();
    names
        .into_iter()
        .map(|name| {
            let total = metrics.values(&name).iter().sum();
            (name, total)
        })
        .collect()
}

#[tokio::test]
async fn every_kind_of_change_counts_in_its_metric() {
    let (client, metrics) = auditor();
    let batch = DynamoDbStreamBatch::new("todos", &["pk", "id"])
        .insert(&todo(A, "buy milk", false))
        .modify(&todo(A, "buy milk", false), &todo(A, "buy milk", true))
        .modify(&todo(A, "buy milk", true), &todo(A, "buy oat milk", true))
        .modify(&todo(A, "buy oat milk", true), &todo(A, "buy oat milk", false))
        .modify(&todo(A, "buy oat milk", false), &todo(A, "buy oat milk", false))
        .insert(&todo(B, "call mum", false))
        .remove(&todo(B, "call mum", false));
    let answer = client.invoke(batch.to_event()).await.expect("a batch response");
    assert!(batch_failures(&answer).is_empty(), "{answer}");
    let expected = [
        ("TodosCompleted", 1.0),
        ("TodosCreated", 2.0),
        ("TodosDeleted", 1.0),
        ("TodosRenamed", 1.0),
        ("TodosReopened", 1.0),
    ];
    let expected: Vec<(String, f64)> = expected.iter().map(|(name, n)| (name.to_string(), *n)).collect();
    assert_eq!(counted(&metrics), expected);
}

#[tokio::test]
async fn an_item_of_another_shape_fails_with_the_rest_of_its_shard() {
    let (client, _metrics) = auditor();
    let batch = DynamoDbStreamBatch::new("todos", &["pk", "id"])
        .insert(&todo(A, "buy milk", false))
        .insert(&json!({"pk": "todos", "id": B, "title": 42, "completed": false}))
        .insert(&todo("0190f1a2-0000-7000-8000-000000000003", "later", false));
    let sequence_numbers = batch.sequence_numbers();
    let answer = client.invoke(batch.to_event()).await.expect("a batch response");
    // Streams keep their order: the record after the bad one is retried with it.
    assert_eq!(batch_failures(&answer), sequence_numbers[1..]);
}

#[tokio::test]
async fn a_deletion_by_time_to_live_is_an_expiry() {
    let (client, metrics) = auditor();
    let mut event = DynamoDbStreamBatch::new("todos", &["pk", "id"])
        .remove(&todo(A, "old news", true))
        .to_event();
    // What DynamoDB's time to live puts on the records of the items it deletes.
    event["Records"][0]["userIdentity"] = json!({"type": "Service", "principalId": "dynamodb.amazonaws.com"});
    let answer = client.invoke(event).await.expect("a batch response");
    assert!(batch_failures(&answer).is_empty(), "{answer}");
    assert_eq!(counted(&metrics), [("TodosExpired".to_owned(), 1.0)]);
}
