//! The `bootstrap` of the shop (see the crate's library for the app). `ORDERS_TABLE`
//! names its DynamoDB table; without it the cold start fails saying so. Locally (no
//! `AWS_LAMBDA_RUNTIME_API`) it serves the HTTP API on http://127.0.0.1:3000 and takes
//! SQS and scheduled events at `POST /2015-03-31/functions/function/invocations`, with
//! the table on `AWS_ENDPOINT_URL` (a local DynamoDB, moto's server).

// One invocation at a time: one thread, no hand-over between threads when the Runtime
// API answers.
#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambdo::BoxError> {
    let Some(table) = std::env::var("ORDERS_TABLE").ok().filter(|name| !name.is_empty()) else {
        let error = lambdo::FunctionError::new(
            "Shop.NotConfigured",
            "ORDERS_TABLE is not set: it names the orders table (template.yaml sets it)",
        );
        return Err(lambdo::fail_init(error).await);
    };
    let config = lambdo_dynamodb::load_config().await;
    let client = lambdo_dynamodb::client(&config);
    shop::app(shop::Shop::new(&client, &table)).run().await
}
