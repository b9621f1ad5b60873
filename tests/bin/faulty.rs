//! A bootstrap that misbehaves on request, for `tests/faults.rs`: a direct invocation
//! names the fault (`"panic"`, `"sleep"`, `"overflow"`, `"abort"`, anything else is
//! answered), an SQS batch fails the messages whose body says `"panic"` by panicking.
//! With `IDEMPOTENCY_TABLE` set, `{"charge": id, "hang": bool}` charges once per id
//! under lambdo-dynamodb's idempotency, hanging (until the process is killed) when
//! asked to; each start and finish of the work is appended to `CHARGE_LOG`.

use std::io::Write;

use lambdo::{sqs::SqsRecord, App, Context, FunctionError, Json};
use lambdo_dynamodb::Idempotency;

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

#[derive(serde::Deserialize, serde::Serialize)]
struct Charge {
    charge: String,
    hang: bool,
}

fn charge_log(line: &str) {
    let path = std::env::var("CHARGE_LOG").expect("CHARGE_LOG names the log of charges");
    let mut log = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .unwrap();
    writeln!(log, "{line}").unwrap();
}

async fn charge(
    lambdo::State(idempotency): lambdo::State<Option<Idempotency>>,
    context: Context,
    Json(charge): Json<Charge>,
) -> Result<String, FunctionError> {
    let idempotency =
        idempotency.ok_or_else(|| FunctionError::new("Faulty.Config", "IDEMPOTENCY_TABLE is not set"))?;
    // Keyed by the charge only: a retry that no longer hangs is the same request.
    let key = format!("charge#{}", charge.charge);
    let receipt = idempotency
        .run(&context, &key, &charge.charge, || async {
            charge_log(&format!("start {}", charge.charge));
            if charge.hang {
                std::future::pending::<()>().await;
            }
            charge_log(&format!("done {}", charge.charge));
            Ok::<_, lambdo::BoxError>(format!("charged {}", charge.charge))
        })
        .await
        .map_err(FunctionError::from)?;
    Ok(receipt)
}

async fn order(record: SqsRecord) -> Result<(), lambdo::BoxError> {
    if record.body() == "panic" {
        panic!("a record that panics");
    }
    Ok(())
}

#[tokio::main]
async fn main() -> Result<(), lambdo::BoxError> {
    match std::env::var("IDEMPOTENCY_TABLE") {
        Ok(table) => {
            let client = lambdo_dynamodb::client(&lambdo_dynamodb::load_config().await);
            let idempotency = Some(Idempotency::new(&client, table));
            App::new(idempotency).invoke(charge).run().await
        }
        Err(_) => App::new(()).invoke(fault).sqs(order).run().await,
    }
}
