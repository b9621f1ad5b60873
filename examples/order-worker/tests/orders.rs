//! The order worker on real SQS batches, in process: exactly the orders that cannot be
//! fulfilled are reported for redelivery, and FIFO groups keep their order.

use lambdo_testing::{batch_failures, SqsBatch, TestClient};
use serde_json::json;

fn order(id: &str, sku: &str, quantity: u32) -> serde_json::Value {
    json!({"orderId": id, "sku": sku, "quantity": quantity})
}

#[tokio::test]
async fn a_standard_batch_reports_exactly_the_orders_that_failed() {
    let client = TestClient::new(order_worker::app().into_function());
    let batch = SqsBatch::standard("orders")
        .message(&order("o-1", "book", 2))
        .message(&order("o-2", "book", 0))
        .message(&order("o-3", "gone-lamp", 1))
        .text("not json")
        .message(&json!({"orderId": "o-5", "sku": "book", "quantity": 1, "coupon": "X"}))
        .message(&order("o-6", "pen", 5));
    let ids = batch.message_ids();
    let answer = client.invoke(batch.to_event()).await.expect("a batch response");
    // Empty, out of stock, not JSON, an unknown field: each fails alone.
    assert_eq!(
        batch_failures(&answer),
        [ids[1].as_str(), &ids[2], &ids[3], &ids[4]]
    );
}

#[tokio::test]
async fn a_fifo_group_stops_at_its_first_failure_and_other_groups_go_on() {
    let client = TestClient::new(order_worker::app().into_function());
    let batch = SqsBatch::fifo("orders")
        .grouped("customer-1", &order("a-1", "book", 1))
        .grouped("customer-1", &order("a-2", "book", 0))
        .grouped("customer-2", &order("b-1", "pen", 1))
        .grouped("customer-1", &order("a-3", "book", 1))
        .grouped("customer-2", &order("b-2", "pen", 2));
    let ids = batch.message_ids();
    let answer = client.invoke(batch.to_event()).await.expect("a batch response");
    // a-2 failed, so a-3 (after it in its group) is redelivered too; customer-2's orders
    // are not held up.
    assert_eq!(batch_failures(&answer), [ids[1].as_str(), &ids[3]]);
}

#[tokio::test]
async fn a_batch_where_every_order_failed_fails_the_invocation() {
    let client = TestClient::new(order_worker::app().into_function());
    let batch = SqsBatch::standard("orders").message(&order("o-1", "book", 0));
    let error = client
        .invoke(batch.to_event())
        .await
        .expect_err("a failed invocation");
    assert_eq!(error.error_type, "Lambdo.BatchFailed");
}
