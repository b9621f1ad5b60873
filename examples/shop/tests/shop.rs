//! The shop's three sources on one function, against moto's DynamoDB
//! (`LAMBDO_DYNAMODB_ENDPOINT`, started by scripts/test.sh): orders placed over HTTP,
//! shipped from SQS messages (a bad message failing alone), counted by the schedule.

use lambdo_testing::{
    batch_failures, create_table, moto_config, moto_endpoint, scheduled_event, CapturedMetrics,
    PayloadVersion, SqsBatch, TestClient,
};
use serde_json::{json, Value};
use shop::Shop;

/// The shop on a new table, its EMF metrics captured.
async fn shop() -> (TestClient, CapturedMetrics) {
    let client = aws_sdk_dynamodb::Client::new(&moto_config(&moto_endpoint()));
    let table = create_table(&client, "shop-orders", &["id"]).await;
    let metrics = CapturedMetrics::default();
    let function = shop::app(Shop::new(&client, &table))
        .metrics(metrics.config("lambdo-examples", "shop"))
        .into_function();
    (TestClient::new(function), metrics)
}

async fn place(client: &TestClient, body: Value) -> (u16, Value) {
    let request = http::Request::post("/orders")
        .header("content-type", "application/json")
        .body(body.to_string())
        .unwrap();
    let response = client.send(PayloadVersion::HttpV2, request).await;
    (response.status.as_u16(), response.json())
}

async fn read(client: &TestClient, id: &str) -> (u16, Value) {
    let request = http::Request::get(format!("/orders/{id}"))
        .body(String::new())
        .unwrap();
    let response = client.send(PayloadVersion::HttpV2, request).await;
    (response.status.as_u16(), response.json())
}

#[tokio::test]
async fn orders_are_placed_shipped_and_counted_by_one_function() {
    let (client, metrics) = shop().await;
    let (status, first) = place(&client, json!({"sku": "book", "quantity": 2})).await;
    assert_eq!(status, 201, "{first}");
    assert_eq!(first["status"], "placed");
    let (_, second) = place(&client, json!({"sku": "pen", "quantity": 1})).await;

    // Not every message is a shipment of a known order: each bad one fails alone.
    let batch = SqsBatch::standard("shipments")
        .message(&json!({"orderId": first["id"], "carrier": "DHL"}))
        .message(&json!({"orderId": "0190f1a2-0000-7000-8000-00000000dead", "carrier": "UPS"}))
        .text("not json");
    let ids = batch.message_ids();
    let answer = client.invoke(batch.to_event()).await.expect("a batch response");
    assert_eq!(batch_failures(&answer), [ids[1].as_str(), &ids[2]]);

    let (status, shipped) = read(&client, first["id"].as_str().unwrap()).await;
    assert_eq!(status, 200);
    assert_eq!(shipped["status"], "shipped");
    assert_eq!(shipped["carrier"], "DHL");
    assert_eq!(metrics.values("OrdersShipped"), [1.0]);

    // The hourly sweep: one order still waits.
    client
        .invoke(scheduled_event("shop-hourly"))
        .await
        .expect("the sweep ran");
    assert_eq!(metrics.values("OrdersAwaitingShipment"), [1.0]);
    let (_, waiting) = read(&client, second["id"].as_str().unwrap()).await;
    assert_eq!(waiting["status"], "placed");
}

#[tokio::test]
async fn bad_orders_and_unknown_ids_are_problems() {
    let (client, _metrics) = shop().await;
    let (status, problem) = place(&client, json!({"sku": "", "quantity": 1})).await;
    assert_eq!(status, 422);
    assert_eq!(problem["pointer"], "/sku");
    let (status, problem) = place(&client, json!({"sku": "book", "quantity": 0})).await;
    assert_eq!(status, 422);
    assert_eq!(problem["pointer"], "/quantity");
    let (status, _) = place(&client, json!({"sku": "book", "quantity": 1, "coupon": "FREE"})).await;
    assert_eq!(status, 422, "unknown fields are refused");
    let (status, _) = read(&client, "0190f1a2-0000-7000-8000-00000000beef").await;
    assert_eq!(status, 404);
    let (status, _) = read(&client, "not-a-uuid").await;
    assert_eq!(status, 400);
}
