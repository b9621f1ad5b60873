//! A bootstrap that misbehaves on request, for `tests/faults.rs`: a direct invocation
//! names the fault (`"panic"`, `"sleep"`, `"overflow"`, `"abort"`, anything else is
//! answered), an SQS batch fails the messages whose body says `"panic"` by panicking.

use lambdo::{sqs::SqsRecord, App, Json};

async fn fault(Json(what): Json<String>) -> Result<String, lambdo::BoxError> {
    match what.as_str() {
        "panic" => panic!("asked to panic"),
        "sleep" => {
            tokio::time::sleep(std::time::Duration::from_secs(60)).await;
            Ok("woke up".to_owned())
        }
        "overflow" => Ok(format!("{}", deep(0))),
        "abort" => std::process::abort(),
        other => Ok(format!("fine: {other}")),
    }
}

/// Recursion without end: a stack overflow, which Rust ends the process on.
fn deep(depth: u64) -> u64 {
    if depth == u64::MAX {
        return 0;
    }
    let frame = [depth; 64];
    std::hint::black_box(&frame);
    deep(depth + 1) + frame[0]
}

async fn order(record: SqsRecord) -> Result<(), lambdo::BoxError> {
    if record.body() == "panic" {
        panic!("a record that panics");
    }
    Ok(())
}

#[tokio::main]
async fn main() -> Result<(), lambdo::BoxError> {
    App::new(()).invoke(fault).sqs(order).run().await
}
