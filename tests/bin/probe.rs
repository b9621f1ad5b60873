//! A bootstrap that shows what the runtime does around its handlers, for
//! `tests/runtime.rs`:
//!
//! - a direct invocation `{"tag": n, "together": k}` logs `looking closer` at debug and
//!   `working` (with the tag), records the metric `Work` = n with the request id as
//!   metadata, waits until `k` invocations have been in flight at once (5 s at most),
//!   and answers the most it saw; with `"fail": true` it then fails;
//! - an SQS batch of `{"fail": bool, "together": k}` jobs fails the jobs that say so,
//!   and those that did not see `k` jobs in flight at once (waiting for them as an
//!   invocation does);
//! - `GET /ticks` (streamed to Function URLs) sends `tick 1`…`tick 3`, 200 ms apart,
//!   and `GET /broken` one line and then fails;
//! - with `PROBE_SHUTDOWN=quick` (or `slow`, which takes 5 s) a shutdown hook logs
//!   `shutdown hook ran` (and, with `PROBE_SHUTDOWN_FILE`, writes it there).

use std::{
    sync::atomic::{AtomicUsize, Ordering},
    time::{Duration, Instant},
};

use lambdo::{
    metrics::{Metrics, Unit},
    sqs::Message,
    App, Context, Json,
};
use serde::Deserialize;
use serde_json::{json, Value};

static IN_FLIGHT: AtomicUsize = AtomicUsize::new(0);
/// The most invocations ever in flight at once.
static MOST: AtomicUsize = AtomicUsize::new(0);

#[derive(Deserialize)]
struct Probe {
    tag: u32,
    #[serde(default = "one")]
    together: usize,
    #[serde(default)]
    fail: bool,
}

fn one() -> usize {
    1
}

async fn probe(
    context: Context,
    metrics: Metrics,
    Json(probe): Json<Probe>,
) -> Result<Value, lambdo::BoxError> {
    tracing::debug!(tag = probe.tag, "looking closer");
    tracing::info!(tag = probe.tag, "working");
    metrics.add("Work", Unit::Count, f64::from(probe.tag))?;
    metrics.metadata("request_id", context.request_id.clone());
    let most = in_flight_with(probe.together).await;
    if probe.fail {
        return Err(format!("probe {} failed as asked", probe.tag).into());
    }
    Ok(json!({
        "tag": probe.tag,
        "request_id": context.request_id,
        "xray_trace_id": context.xray_trace_id,
        "env_trace_id": std::env::var("_X_AMZN_TRACE_ID").ok(),
        "in_flight": most,
    }))
}

/// Waits until `together` calls have been in flight at once (5 s at most): the most
/// there have been.
async fn in_flight_with(together: usize) -> usize {
    let in_flight = IN_FLIGHT.fetch_add(1, Ordering::SeqCst) + 1;
    MOST.fetch_max(in_flight, Ordering::SeqCst);
    let started = Instant::now();
    while MOST.load(Ordering::SeqCst) < together && started.elapsed() < Duration::from_secs(5) {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    IN_FLIGHT.fetch_sub(1, Ordering::SeqCst);
    MOST.load(Ordering::SeqCst)
}

#[derive(Deserialize)]
struct Job {
    fail: bool,
    #[serde(default = "one")]
    together: usize,
}

async fn job(message: Message<Job>) -> Result<(), String> {
    if in_flight_with(message.body.together).await < message.body.together {
        return Err("not run together with the others".to_owned());
    }
    if message.body.fail {
        return Err("asked to fail".to_owned());
    }
    Ok(())
}

/// Three lines, 200 ms apart: `tick 1` … `tick 3`.
async fn ticks() -> impl axum::response::IntoResponse {
    let ticks = futures_util::stream::unfold(1, |n| async move {
        if n > 3 {
            return None;
        }
        if n > 1 {
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        tracing::info!(tick = n, "ticking");
        Some((Ok::<_, std::convert::Infallible>(format!("tick {n}\n")), n + 1))
    });
    (
        [
            ("content-type", "text/plain"),
            ("set-cookie", "session=1; Secure"),
        ],
        axum::body::Body::from_stream(ticks),
    )
}

/// One line, then a failure.
async fn broken() -> axum::body::Body {
    let chunks = futures_util::stream::iter([
        Ok("first\n".to_owned()),
        Err(std::io::Error::other("the disk went away")),
    ]);
    axum::body::Body::from_stream(chunks)
}

#[tokio::main]
async fn main() -> Result<(), lambdo::BoxError> {
    let routes = axum::Router::new()
        .route("/ticks", axum::routing::get(ticks))
        .route("/broken", axum::routing::get(broken));
    let app = App::new(())
        .invoke(probe)
        .sqs(job)
        .http(routes)
        .stream_function_urls();
    let app = match std::env::var("PROBE_SHUTDOWN").as_deref() {
        Ok(speed) => {
            let slow = speed == "slow";
            app.on_shutdown(move |()| async move {
                if slow {
                    tokio::time::sleep(Duration::from_secs(5)).await;
                }
                tracing::info!("shutdown hook ran");
                if let Ok(path) = std::env::var("PROBE_SHUTDOWN_FILE") {
                    std::fs::write(path, "shutdown hook ran\n").expect("the shutdown file is writable");
                }
            })
        }
        Err(_) => app,
    };
    app.run().await
}
