//! The `bootstrap` of the order worker (see the crate's library for the handler).
//!
//! Locally (no `AWS_LAMBDA_RUNTIME_API`) it takes SQS events at
//! `POST http://127.0.0.1:3000/2015-03-31/functions/function/invocations`.

// One invocation at a time: one thread, no hand-over between threads when the Runtime
// API answers. (On Lambda Managed Instances, use the multi-threaded `#[tokio::main]`.)
#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambdo::BoxError> {
    order_worker::app().run().await
}
