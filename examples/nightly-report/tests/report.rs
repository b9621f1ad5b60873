//! The nightly report against moto's DynamoDB (`LAMBDO_DYNAMODB_ENDPOINT`, started by
//! scripts/test.sh): a schedule's tick counts every page of the todos table into the
//! report's metrics, and a table that cannot be read fails the invocation.

use lambdo_testing::{
    create_table, moto_config, moto_endpoint, scheduled_event, CapturedMetrics, TestClient,
};
use nightly_report::{Report, TodoItem};
use uuid::Uuid;

fn dynamodb() -> aws_sdk_dynamodb::Client {
    aws_sdk_dynamodb::Client::new(&moto_config(&moto_endpoint()))
}

/// The report's function on `table`, its EMF metrics captured.
fn reporter(client: &aws_sdk_dynamodb::Client, table: &str) -> (TestClient, CapturedMetrics) {
    let metrics = CapturedMetrics::default();
    let function = nightly_report::app(Report::new(client, table))
        .metrics(metrics.config("lambdo-examples", "nightly-report"))
        .into_function();
    (TestClient::new(function), metrics)
}

/// `name`'s first value in the captured metrics.
fn metric(metrics: &CapturedMetrics, name: &str) -> Option<f64> {
    metrics.values(name).first().copied()
}

#[tokio::test]
async fn a_tick_counts_every_page_of_the_table() {
    let client = dynamodb();
    let table = create_table(&client, "report-todos", &["pk", "id"]).await;
    // More than a page (100), and a partition that is not the todos'.
    for n in 0..130u32 {
        let todo = TodoItem {
            pk: "todos".into(),
            id: Uuid::now_v7(),
            title: format!("todo {n}"),
            completed: n % 3 == 0,
        };
        lambdo_dynamodb::Table::<TodoItem>::new(&client, &table, "pk")
            .sort_key("id")
            .put(&todo)
            .await
            .unwrap();
    }
    let (function, metrics) = reporter(&client, &table);
    function
        .invoke(scheduled_event("nightly-report"))
        .await
        .expect("the report ran");
    assert_eq!(metric(&metrics, "TodosDone"), Some(44.0));
    assert_eq!(metric(&metrics, "TodosOpen"), Some(86.0));
    assert_eq!(metric(&metrics, "TodosTotal"), Some(130.0));
}

#[tokio::test]
async fn a_table_that_cannot_be_read_fails_the_tick() {
    let client = dynamodb();
    let (function, metrics) = reporter(&client, "no-such-table");
    let error = function
        .invoke(scheduled_event("nightly-report"))
        .await
        .expect_err("no table, no report");
    // The table's error fails the invocation: EventBridge retries it.
    assert_eq!(error.error_type, "Lambdo.HandlerError", "{error:?}");
    assert!(
        error.error_message.contains("Requested resource not found"),
        "{error:?}"
    );
    assert_eq!(metric(&metrics, "TodosTotal"), None);
}
