//! The stream auditor on DynamoDB Streams batches of the todos table, in process: the
//! metric each change kind counts in, a malformed image failing its record (and the
//! rest of its shard), a deletion by time to live told from a client's.

use std::sync::{Arc, Mutex};

use lambdo::metrics::MetricsConfig;
use lambdo_testing::{batch_failures, DynamoDbStreamBatch, TestClient};
use serde_json::{json, Value};

fn todo(id: &str, title: &str, completed: bool) -> Value {
    json!({"pk": "todos", "id": id, "title": title, "completed": completed, "version": 1})
}

const A: &str = "0190f1a2-0000-7000-8000-000000000001";
const B: &str = "0190f1a2-0000-7000-8000-000000000002";

/// The auditor with its EMF lines captured, and the names of the metrics in them.
fn auditor() -> (TestClient, Arc<Mutex<Vec<String>>>) {
    let lines = Arc::new(Mutex::new(Vec::new()));
    let sink = Arc::clone(&lines);
    let config = MetricsConfig::new("lambdo-examples", "stream-auditor")
        .writer(move |line| sink.lock().unwrap().push(line.to_owned()));
    let function = stream_auditor::app().metrics(config).into_function();
    (TestClient::new(function), lines)
}

/// Each metric's total over the captured EMF lines, ColdStart aside.
fn counted(lines: &Mutex<Vec<String>>) -> Vec<(String, f64)> {
    let mut totals: Vec<(String, f64)> = Vec::new();
    for line in lines.lock().unwrap().iter() {
        let emf: Value = serde_json::from_str(line).unwrap();
        for definition in emf["_aws"]["CloudWatchMetrics"][0]["Metrics"].as_array().unwrap() {
            let name = definition["Name"].as_str().unwrap().to_owned();
            if name == "ColdStart" {
                continue;
            }
            // A metric recorded several times in one invocation is an array of values.
            let value = match &emf[&name] {
                Value::Array(values) => values.iter().map(|value| value.as_f64().unwrap()).sum(),
                value => value.as_f64().unwrap(),
            };
            match totals.iter_mut().find(|(known, _)| *known == name) {
                Some((_, total)) => *total += value,
                None => totals.push((name, value)),
            }
        }
    }
    totals.sort_by(|a, b| a.0.cmp(&b.0));
    totals
}

#[tokio::test]
async fn every_kind_of_change_counts_in_its_metric() {
    let (client, lines) = auditor();
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
    assert_eq!(counted(&lines), expected);
}

#[tokio::test]
async fn an_item_of_another_shape_fails_with_the_rest_of_its_shard() {
    let (client, _lines) = auditor();
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
    let (client, lines) = auditor();
    let mut event = DynamoDbStreamBatch::new("todos", &["pk", "id"])
        .remove(&todo(A, "old news", true))
        .to_event();
    // What DynamoDB's time to live puts on the records of the items it deletes.
    event["Records"][0]["userIdentity"] = json!({"type": "Service", "principalId": "dynamodb.amazonaws.com"});
    let answer = client.invoke(event).await.expect("a batch response");
    assert!(batch_failures(&answer).is_empty(), "{answer}");
    assert_eq!(counted(&lines), [("TodosExpired".to_owned(), 1.0)]);
}
