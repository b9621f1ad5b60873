//! The benchmarks' orders and lambdo's handlers of them, on lambdo with the `sqs` and
//! `dynamodb` features only (no HTTP stack, no local mode, no metrics): the bootstraps
//! of the end-to-end benchmark for SQS, DynamoDB Streams and direct invocation, sized as
//! a user's function with those capabilities. `lambdo-bench` uses the same types and
//! handlers in process.

use lambdo::{dynamodb::Change, sqs::Message, App};
use serde::{Deserialize, Serialize};

/// The payload every consumer decodes.
#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Order {
    /// An id like `o-17`.
    pub order_id: String,
    /// Zero fails the record.
    pub quantity: u32,
    /// Free text, with characters JSON escapes.
    pub note: String,
}

/// What every consumer does with an order: one without a quantity fails.
pub fn accept(order: &Order) -> Result<(), String> {
    if order.quantity == 0 {
        return Err(format!("order {} has no quantity", order.order_id));
    }
    Ok(())
}

/// lambdo's SQS handler: one typed message.
pub async fn on_message(message: Message<Order>) -> Result<(), String> {
    accept(&message.body)
}

/// lambdo's DynamoDB Streams handler: one typed change (its images as orders).
pub async fn on_change(change: Change<Order>) -> Result<(), String> {
    match change {
        Change::Insert { new } | Change::Modify { new, .. } => accept(&new),
        Change::Remove { .. } => Ok(()),
    }
}

/// The direct-invocation handler of the empty workload: any JSON in, `null` out. What
/// is left is lambdo's Runtime API loop and dispatch.
pub async fn on_invoke(_event: lambdo::Json<serde_json::Value>) -> Result<(), lambdo::BoxError> {
    Ok(())
}

/// `App::sqs` with [`on_message`].
pub fn sqs_app() -> App<()> {
    App::new(()).sqs(on_message)
}

/// `App::dynamodb_stream` with [`on_change`].
pub fn dynamodb_app() -> App<()> {
    App::new(()).dynamodb_stream(on_change)
}

/// `App::invoke` with [`on_invoke`].
pub fn empty_app() -> App<()> {
    App::new(()).invoke(on_invoke)
}

/// The Tokio runtime a benchmark bootstrap runs on: what `#[tokio::main]` builds, or
/// with `LAMBDO_BENCH_RUNTIME=current_thread` what
/// `#[tokio::main(flavor = "current_thread")]` builds.
pub fn tokio_runtime() -> tokio::runtime::Runtime {
    let current_thread = std::env::var("LAMBDO_BENCH_RUNTIME").is_ok_and(|flavor| flavor == "current_thread");
    let mut builder = if current_thread {
        tokio::runtime::Builder::new_current_thread()
    } else {
        tokio::runtime::Builder::new_multi_thread()
    };
    builder.enable_all().build().expect("a Tokio runtime")
}

/// Runs `app` as a bootstrap: on [`tokio_runtime`], under `lambdo::run`.
pub fn serve(app: App<()>) -> Result<(), lambdo::BoxError> {
    tokio_runtime().block_on(lambdo::run(app.into_function()))
}
