//! The `bootstrap` of the stream auditor (see the crate's library for the handler).

// One invocation at a time: one thread, no hand-over between threads when the Runtime
// API answers.
#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambdo::BoxError> {
    stream_auditor::app().run().await
}
