//! The runtime around the handlers, through real processes (`tests/bin/probe.rs` under
//! the emulator): concurrent invocations on Lambda Managed Instances, each keeping
//! its own logs, metrics and trace; graceful shutdown on SIGTERM.

use std::time::Duration;

use futures_util::future::join_all;
use lambdo_testing::{Emulator, FunctionConfig, Invocation, Outcome, Shutdown, SqsBatch};
use lambdo_tests::failures;
use serde_json::{json, Value};

fn probe() -> FunctionConfig {
    FunctionConfig::new(env!("CARGO_BIN_EXE_probe"))
        .name("probe")
        .timeout(Duration::from_secs(10))
}

fn answer(invocation: &Invocation) -> &Value {
    match &invocation.outcome {
        Outcome::Response(answer) => answer,
        other => panic!("expected a response, got {other:?}"),
    }
}

#[tokio::test]
async fn concurrent_invocations_each_keep_their_request_id_logs_metrics_and_trace() {
    const AT_ONCE: usize = 4;
    let emulator = Emulator::start(probe().max_concurrency(AT_ONCE)).await.unwrap();
    // Started first: the concurrent ones then find the process running.
    let warm_up = emulator.invoke(&json!({"tag": 0})).await;
    assert_eq!(answer(&warm_up)["in_flight"], 1);

    // Each waits until all four are in flight: they can only finish if the process
    // runs them at the same time.
    let events: Vec<Value> = (1..=AT_ONCE)
        .map(|tag| json!({"tag": tag, "together": AT_ONCE}))
        .collect();
    let invocations = join_all(events.iter().map(|event| emulator.invoke(event))).await;
    for (tag, invocation) in (1..).zip(&invocations) {
        let answer = answer(invocation);
        assert_eq!(answer["tag"], tag);
        assert_eq!(answer["in_flight"], AT_ONCE, "{answer}");
        assert_eq!(answer["request_id"], invocation.request_id.as_str());
        // The trace id is the invocation's own, and never a process-wide variable
        // (which would be another invocation's under concurrency).
        assert!(answer["xray_trace_id"]
            .as_str()
            .is_some_and(|id| id.contains("Root=1-")));
        assert_eq!(answer["env_trace_id"], Value::Null);
    }
    let trace_ids: std::collections::HashSet<&str> = invocations
        .iter()
        .map(|invocation| answer(invocation)["xray_trace_id"].as_str().unwrap())
        .collect();
    assert_eq!(trace_ids.len(), AT_ONCE);

    let lines = emulator.stdout_json();
    for (tag, invocation) in (1..).zip(&invocations) {
        // Its log line carries its request id and trace id, nobody else's.
        let logs: Vec<&Value> = lines
            .iter()
            .filter(|line| line["message"] == "working" && line["tag"] == tag)
            .collect();
        assert_eq!(logs.len(), 1, "{lines:#?}");
        assert_eq!(logs[0]["requestId"], invocation.request_id.as_str());
        assert_eq!(logs[0]["xray_trace_id"], answer(invocation)["xray_trace_id"]);
        // Its metrics are flushed as its own EMF object.
        let emf: Vec<&Value> = lines
            .iter()
            .filter(|line| line.get("_aws").is_some() && line["request_id"] == invocation.request_id.as_str())
            .collect();
        assert_eq!(emf.len(), 1, "{lines:#?}");
        assert_eq!(emf[0]["Work"], f64::from(tag));
    }
    emulator.stop().await;
}

#[tokio::test]
async fn concurrent_batches_each_report_their_own_failures() {
    const AT_ONCE: usize = 3;
    let emulator = Emulator::start(probe().max_concurrency(AT_ONCE)).await.unwrap();
    emulator.invoke(&json!({"tag": 0})).await;
    // Batch n fails its job n: the first jobs of all batches run at the same time.
    let batches: Vec<SqsBatch> = (0..AT_ONCE)
        .map(|n| {
            (0..AT_ONCE).fold(SqsBatch::standard("jobs"), |batch, job| {
                batch.message(&json!({"fail": job == n, "together": AT_ONCE}))
            })
        })
        .collect();
    let events: Vec<Value> = batches.iter().map(SqsBatch::to_event).collect();
    let invocations = join_all(events.iter().map(|event| emulator.invoke(event))).await;
    for (n, (batch, invocation)) in batches.iter().zip(&invocations).enumerate() {
        let ids = batch.message_ids();
        assert_eq!(failures(answer(invocation)), [ids[n].clone()], "batch {n}");
    }
    emulator.stop().await;
}

#[tokio::test]
async fn one_at_a_time_the_trace_id_is_also_in_the_process_environment() {
    let emulator = Emulator::start(probe()).await.unwrap();
    for tag in 1..=2 {
        let invocation = emulator.invoke(&json!({"tag": tag})).await;
        let answer = answer(&invocation);
        // What AWS SDKs read to pass the trace on.
        assert_eq!(answer["env_trace_id"], answer["xray_trace_id"]);
    }
    emulator.stop().await;
}

#[tokio::test]
async fn sigterm_runs_the_shutdown_hooks_and_the_process_exits_in_the_window() {
    let file = std::env::temp_dir().join(format!("lambdo-shutdown-{}", std::process::id()));
    let _ = std::fs::remove_file(&file);
    let config = probe()
        .env("PROBE_SHUTDOWN", "quick")
        .env("PROBE_SHUTDOWN_FILE", file.display().to_string());
    let emulator = Emulator::start(config).await.unwrap();
    let invocation = emulator.invoke(&json!({"tag": 1})).await;
    assert_eq!(answer(&invocation)["tag"], 1);

    let shutdown = emulator.shutdown().await;
    assert!(
        matches!(shutdown, Shutdown::Exited(status) if status.success()),
        "{shutdown:?}"
    );
    assert_eq!(std::fs::read_to_string(&file).unwrap(), "shutdown hook ran\n");
    let _ = std::fs::remove_file(&file);
    // Its log line, once the collector has read the process's last output.
    let mut logged = false;
    for _ in 0..100 {
        logged = emulator
            .stdout_json()
            .iter()
            .any(|line| line["message"] == "shutdown hook ran");
        if logged {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert!(logged, "{:#?}", emulator.logs());
}

#[tokio::test]
async fn without_hooks_no_extension_is_registered_and_lambda_kills_the_process() {
    let emulator = Emulator::start(probe()).await.unwrap();
    emulator.invoke(&json!({"tag": 1})).await;
    assert_eq!(emulator.shutdown().await, Shutdown::Killed);
}

#[tokio::test]
async fn hooks_that_outlast_the_shutdown_window_are_cut_short() {
    let emulator = Emulator::start(probe().env("PROBE_SHUTDOWN", "slow"))
        .await
        .unwrap();
    emulator.invoke(&json!({"tag": 1})).await;
    assert_eq!(
        emulator.shutdown().await,
        Shutdown::KilledAfterWindow(Duration::from_millis(500))
    );
}
