//! The `bootstrap` of the nightly report (see the crate's library for the handler).
//! `TABLE_NAME` names the todos table; without it the cold start fails saying so.

// One invocation at a time: one thread, no hand-over between threads when the Runtime
// API answers.
#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambdo::BoxError> {
    let Some(table) = std::env::var("TABLE_NAME").ok().filter(|name| !name.is_empty()) else {
        let error = lambdo::FunctionError::new(
            "NightlyReport.NotConfigured",
            "TABLE_NAME is not set: it names the todos table the report reads (template.yaml sets it)",
        );
        return Err(lambdo::fail_init(error).await);
    };
    let config = lambdo_dynamodb::load_config().await;
    let client = lambdo_dynamodb::client(&config);
    nightly_report::app(nightly_report::Report::new(&client, &table))
        .run()
        .await
}
