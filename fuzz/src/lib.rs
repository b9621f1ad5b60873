//! What lambdo's fuzz targets share: a function with every source registered, and a
//! runtime to call it on.

use std::sync::OnceLock;

use axum::{routing::any, Router};
use lambdo::{
    dynamodb::Change, kinesis::KinesisRecord, sns::SnsRecord, sqs::SqsRecord, App, Context, Function,
};
use serde_json::Value;

/// lambdo's answer to `event`, as `Function::call` gives it: the response's JSON, or
/// the error's type.
pub fn call(function: &Function, event: Vec<u8>) -> Result<String, String> {
    static RUNTIME: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
    let runtime = RUNTIME.get_or_init(|| {
        tokio::runtime::Builder::new_current_thread()
            .build()
            .expect("a runtime")
    });
    runtime
        .block_on(function.call(event.into(), Context::default()))
        .map(|raw| raw.get().to_owned())
        .map_err(|error| error.error_type().to_owned())
}

async fn on_change(change: Change<Value>) -> Result<(), lambdo::BoxError> {
    // Every image decoded, as a handler would use it.
    drop(change);
    Ok(())
}

/// A function with lambdo's sources registered (HTTP on any path, the record sources,
/// SNS, schedules, WebSocket), and no invoke handler: what no source takes is
/// `Lambdo.UnsupportedEvent`.
pub fn every_source() -> &'static Function {
    static FUNCTION: OnceLock<Function> = OnceLock::new();
    FUNCTION.get_or_init(|| {
        App::new(())
            .http(Router::new().route("/{*path}", any(|| async { "ok" })))
            .sqs(|_: SqsRecord| async { Ok::<(), lambdo::BoxError>(()) })
            .kinesis(|_: KinesisRecord| async { Ok::<(), lambdo::BoxError>(()) })
            .sns(|_: SnsRecord| async { Ok::<(), lambdo::BoxError>(()) })
            .schedule(|| async { Ok::<(), lambdo::BoxError>(()) })
            .websocket("$default", || async { Ok::<(), lambdo::BoxError>(()) })
            .into_function()
    })
}

/// A function of one DynamoDB Streams handler, decoding each change into JSON.
pub fn streams() -> &'static Function {
    static FUNCTION: OnceLock<Function> = OnceLock::new();
    FUNCTION.get_or_init(|| App::new(()).dynamodb_stream(on_change).into_function())
}
