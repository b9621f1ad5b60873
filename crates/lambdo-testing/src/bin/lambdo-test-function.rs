//! A lambdo function that misbehaves on request, for testing the emulator (and anything
//! else that runs bootstraps): every way a Lambda function can answer, fail or die.
//!
//! Events: `{"echo": v}` answers `v`; `{"sleep_ms": n}` sleeps first; `{"fail": "Type"}`
//! fails with that `errorType`; `{"panic": "msg"}` panics; `{"exit": code}` exits the
//! process; `{"bytes": n}` answers a string of `n` bytes; `{"caller": true}` answers the caller's Cognito
//! identity id and client app title; `{"metrics": n}` records `n` metrics first (so they
//! are flushed whatever happens next); `{"trace_env": true}` answers the
//! `_X_AMZN_TRACE_ID` variable the SDKs read. With
//! `LAMBDO_TEST_INIT_ERROR=message` the function reports an init error and exits.

use std::time::Duration;

use lambdo::{
    metrics::{Metrics, Unit},
    App, Context, FunctionError, Json,
};
use serde::Deserialize;
use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct Orders {
    echo: Option<Value>,
    sleep_ms: Option<u64>,
    fail: Option<String>,
    panic: Option<String>,
    exit: Option<i32>,
    bytes: Option<usize>,
    caller: bool,
    metrics: Option<usize>,
    trace_env: bool,
}

async fn misbehave(
    context: Context,
    metrics: Metrics,
    Json(orders): Json<Orders>,
) -> Result<Value, FunctionError> {
    tracing::info!(request = %context.request_id, "handling");
    for n in 0..orders.metrics.unwrap_or(0) {
        metrics.add(&format!("M{n:03}"), Unit::Count, 1.0)?;
    }
    if let Some(ms) = orders.sleep_ms {
        tokio::time::sleep(Duration::from_millis(ms)).await;
    }
    if let Some(error_type) = orders.fail {
        return Err(FunctionError::new(error_type, "failed on request"));
    }
    if let Some(message) = orders.panic {
        panic!("{message}");
    }
    if let Some(code) = orders.exit {
        std::process::exit(code);
    }
    if orders.caller {
        let identity = context.identity.map(|identity| identity.identity_id);
        let app = context.client_context.map(|client| client.client.app_title);
        return Ok(serde_json::json!({ "identity": identity, "app": app }));
    }
    if orders.trace_env {
        return Ok(std::env::var("_X_AMZN_TRACE_ID").map_or(Value::Null, Value::String));
    }
    if let Some(bytes) = orders.bytes {
        return Ok(Value::String("x".repeat(bytes)));
    }
    Ok(orders.echo.unwrap_or(Value::Null))
}

/// Posts `message` to `/runtime/init/error`, as a runtime does when set-up fails.
async fn report_init_error(api: &str, message: &str) -> std::io::Result<()> {
    let body = serde_json::json!({"errorType": "Runtime.InitError", "errorMessage": message}).to_string();
    let mut stream = tokio::net::TcpStream::connect(api).await?;
    let request = format!(
        "POST /2018-06-01/runtime/init/error HTTP/1.1\r\nHost: {api}\r\n\
         Lambda-Runtime-Function-Error-Type: Runtime.InitError\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(request.as_bytes()).await?;
    let mut response = Vec::new();
    stream.read_to_end(&mut response).await?;
    Ok(())
}

#[tokio::main]
async fn main() -> Result<(), lambdo::BoxError> {
    if let Ok(message) = std::env::var("LAMBDO_TEST_INIT_ERROR") {
        let api = std::env::var("AWS_LAMBDA_RUNTIME_API")?;
        report_init_error(&api, &message).await?;
        std::process::exit(1);
    }
    App::new(()).invoke(misbehave).run().await
}
