//! Direct invocation and source dispatch, in-process.

use lambdo::{App, Context, FunctionError, Json, State};
use lambdo_testing::TestClient;
use serde::{Deserialize, Serialize};
use serde_json::json;

#[derive(Clone)]
struct Pricing {
    tax_percent: u32,
}

#[derive(Debug, Deserialize)]
struct Order {
    lines: Vec<Line>,
}

#[derive(Debug, Deserialize)]
struct Line {
    sku: String,
    cents: u32,
}

#[derive(Debug, Serialize)]
struct Quote {
    total_cents: u32,
    request_id: String,
}

async fn quote(
    State(pricing): State<Pricing>,
    context: Context,
    Json(order): Json<Order>,
) -> Result<Quote, FunctionError> {
    if order.lines.iter().any(|line| line.sku == "panic") {
        panic!("a bug in the pricing code");
    }
    if order.lines.is_empty() {
        return Err(FunctionError::new(
            "Quote.EmptyOrder",
            "an order needs at least one line",
        ));
    }
    let net: u32 = order.lines.iter().map(|line| line.cents).sum();
    Ok(Quote {
        total_cents: net + net * pricing.tax_percent / 100,
        request_id: context.request_id,
    })
}

fn client() -> TestClient {
    TestClient::new(
        App::new(Pricing { tax_percent: 10 })
            .invoke(quote)
            .into_function(),
    )
}

#[tokio::test]
async fn typed_payload_state_and_context() {
    let response = client()
        .invoke(json!({"lines": [{"sku": "a", "cents": 100}, {"sku": "b", "cents": 900}]}))
        .await
        .unwrap();
    assert_eq!(response["total_cents"], 1100);
    assert_eq!(response["request_id"], "00000000-0000-4000-8000-000000000001");
}

#[tokio::test]
async fn decode_errors_name_the_json_path() {
    let diagnostic = client()
        .invoke(json!({"lines": [{"sku": "a", "cents": 1}, {"sku": "b", "cents": "ten"}]}))
        .await
        .unwrap_err();
    assert_eq!(diagnostic.error_type, "Lambdo.EventDecode");
    assert!(
        diagnostic.error_message.contains("lines[1].cents"),
        "{}",
        diagnostic.error_message
    );
}

#[tokio::test]
async fn invalid_json_is_its_own_error() {
    let diagnostic = client().invoke_raw("{\"lines\": [").await.unwrap_err();
    assert_eq!(diagnostic.error_type, "Lambdo.InvalidEvent");
}

#[tokio::test]
async fn handler_errors_keep_their_error_type() {
    let diagnostic = client().invoke(json!({"lines": []})).await.unwrap_err();
    assert_eq!(diagnostic.error_type, "Quote.EmptyOrder");
    assert_eq!(diagnostic.error_message, "an order needs at least one line");
}

#[tokio::test]
async fn a_panic_fails_one_invocation_only() {
    let client = client();
    let diagnostic = client
        .invoke(json!({"lines": [{"sku": "panic", "cents": 1}]}))
        .await
        .unwrap_err();
    assert_eq!(diagnostic.error_type, "Lambdo.HandlerPanic");
    assert!(diagnostic.error_message.contains("a bug in the pricing code"));
    let response = client
        .invoke(json!({"lines": [{"sku": "a", "cents": 10}]}))
        .await
        .unwrap();
    assert_eq!(response["total_cents"], 11);
}

#[tokio::test]
async fn handlers_of_every_arity_compile_and_run() {
    async fn none() -> Result<u8, lambdo::BoxError> {
        Ok(0)
    }
    async fn only_context(context: Context) -> Result<String, lambdo::BoxError> {
        Ok(context.request_id)
    }
    async fn only_state(State(pricing): State<Pricing>) -> Result<u32, lambdo::BoxError> {
        Ok(pricing.tax_percent)
    }
    let pricing = Pricing { tax_percent: 7 };
    let run = |function| async move { TestClient::new(function).invoke(json!({})).await.unwrap() };
    assert_eq!(
        run(App::new(pricing.clone()).invoke(none).into_function()).await,
        0
    );
    assert_eq!(
        run(App::new(pricing.clone()).invoke(only_context).into_function()).await,
        "00000000-0000-4000-8000-000000000001"
    );
    assert_eq!(run(App::new(pricing).invoke(only_state).into_function()).await, 7);
}

#[tokio::test]
async fn http_and_invoke_in_one_function() {
    async fn hello() -> &'static str {
        "hello"
    }
    let app = App::new(Pricing { tax_percent: 0 })
        .http(axum::Router::new().route("/hello", axum::routing::get(hello)))
        .invoke(quote);
    let client = TestClient::new(app.into_function());
    let response = client
        .send(
            lambdo_testing::PayloadVersion::HttpV2,
            http::Request::get("/hello").body("").unwrap(),
        )
        .await;
    assert_eq!(response.text(), "hello");
    let quote = client
        .invoke(json!({"lines": [{"sku": "a", "cents": 5}]}))
        .await
        .unwrap();
    assert_eq!(quote["total_cents"], 5);
}

#[tokio::test]
async fn events_no_source_accepts_are_named() {
    async fn hello() -> &'static str {
        "hello"
    }
    let app = App::new(()).http(axum::Router::new().route("/hello", axum::routing::get(hello)));
    let client = TestClient::new(app.into_function());
    let diagnostic = client
        .invoke(json!({"Records": [{"eventSource": "aws:sqs"}], "extra": 1}))
        .await
        .unwrap_err();
    assert_eq!(diagnostic.error_type, "Lambdo.UnsupportedEvent");
    assert_eq!(
        diagnostic.error_message,
        "no registered source accepts this event: a batch of 1 `aws:sqs` records arrived, \
         the app handles http"
    );
    let diagnostic = client.invoke(json!([1, 2])).await.unwrap_err();
    assert!(diagnostic.error_message.contains("a JSON array arrived"));
}

#[tokio::test]
async fn responses_over_lambdas_limit_fail_clearly() {
    async fn huge(Json(bytes): Json<usize>) -> Result<String, lambdo::BoxError> {
        Ok("x".repeat(bytes))
    }
    let client = TestClient::new(App::new(()).invoke(huge).into_function());
    assert!(client.invoke(1024).await.is_ok());
    let diagnostic = client.invoke(7 * 1024 * 1024).await.unwrap_err();
    assert_eq!(diagnostic.error_type, "Lambdo.ResponseTooLarge");
    assert!(
        diagnostic.error_message.contains("6291456"),
        "{}",
        diagnostic.error_message
    );
}
