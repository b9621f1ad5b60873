//! Faults through the emulator, with a real bootstrap (`tests/bin/faulty.rs`): what
//! breaks one invocation breaks only that one, and Lambda is told as it expects.

use std::time::Duration;

use lambdo_testing::{Emulator, FunctionConfig, Outcome, SqsBatch};
use lambdo_tests::failures;
use serde_json::json;

async fn faulty() -> Emulator {
    let config = FunctionConfig::new(env!("CARGO_BIN_EXE_faulty"))
        .name("faulty")
        .timeout(Duration::from_secs(2));
    Emulator::start(config).await.unwrap()
}

fn error_type(outcome: &Outcome) -> &str {
    match outcome {
        Outcome::Error(diagnostic) => &diagnostic.error_type,
        other => panic!("expected an error, got {other:?}"),
    }
}

#[tokio::test]
async fn a_panicking_handler_fails_one_invocation_and_the_process_serves_the_next() {
    let emulator = faulty().await;
    let panicked = emulator.invoke(&json!("panic")).await;
    assert_eq!(error_type(&panicked.outcome), "Lambdo.HandlerPanic");
    // One log line for the failure: lambdo's, not `lambda_runtime`'s again. (Rust's
    // panic hook writes its own lines to stderr, with the panic's location.)
    let logs = emulator.logs();
    let about_it: Vec<_> = logs
        .iter()
        .filter(|line| {
            line.stream == lambdo_testing::LogStream::Stdout && line.text.contains("asked to panic")
        })
        .collect();
    assert_eq!(about_it.len(), 1, "{about_it:#?}");
    let next = emulator.invoke(&json!("hello")).await;
    assert!(!next.cold_start, "the same process answers");
    assert!(matches!(next.outcome, Outcome::Response(ref answer) if answer == "fine: hello"));

    // In a batch, the record that panics is the one listed failed.
    let batch = SqsBatch::standard("orders").text("ok").text("panic").text("ok");
    let answer = match emulator.invoke(&batch.to_event()).await.outcome {
        Outcome::Response(answer) => answer,
        other => panic!("{other:?}"),
    };
    assert_eq!(failures(&answer), [batch.message_ids()[1].clone()]);
    emulator.stop().await;
}

#[tokio::test]
async fn a_handler_past_the_timeout_is_killed_and_the_next_invocation_is_a_cold_start() {
    let emulator = faulty().await;
    let first = emulator.invoke(&json!("warm up")).await;
    assert!(first.cold_start);
    let slept = emulator.invoke(&json!("sleep")).await;
    assert_eq!(error_type(&slept.outcome), "Sandbox.Timedout");
    let next = emulator.invoke(&json!("again")).await;
    assert!(next.cold_start, "a timed-out process is not reused");
    assert!(matches!(next.outcome, Outcome::Response(ref answer) if answer == "fine: again"));
    emulator.stop().await;
}

#[tokio::test]
async fn a_stack_overflow_and_an_abort_end_the_process_as_lambda_reports_it() {
    let emulator = faulty().await;
    for fault in ["overflow", "abort"] {
        let ended = emulator.invoke(&json!(fault)).await;
        assert_eq!(error_type(&ended.outcome), "Runtime.ExitError", "{fault}");
        let next = emulator.invoke(&json!("after")).await;
        assert!(next.cold_start, "{fault}: a new process");
        assert!(matches!(next.outcome, Outcome::Response(ref answer) if answer == "fine: after"));
    }
    emulator.stop().await;
}

/// `cargo lambda watch` sends `Lambda-Runtime-Deadline-Ms: 600000`, a constant, not an
/// epoch time: a deadline that cannot be real means none, with one warning line, not a
/// batch whose every record is "too close to the deadline".
#[tokio::test]
async fn a_deadline_before_the_process_started_means_none() {
    let api = lambdo_testing::RuntimeApi::start().await.unwrap();
    api.fixed_deadline(600_000);
    let mut process = tokio::process::Command::new(env!("CARGO_BIN_EXE_faulty"))
        .envs(api.lambda_env("faulty"))
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    for _ in 0..2 {
        let batch = SqsBatch::standard("orders").text("a").text("b").text("c");
        let outcome = api
            .invoke(&batch.to_event(), Duration::from_secs(10))
            .await
            .unwrap();
        match outcome {
            Outcome::Response(answer) => assert!(failures(&answer).is_empty(), "{answer}"),
            other => panic!("{other:?}"),
        }
    }
    process.start_kill().unwrap();
    let output = process.wait_with_output().await.unwrap();
    let logs =
        String::from_utf8_lossy(&output.stdout).into_owned() + &String::from_utf8_lossy(&output.stderr);
    assert_eq!(
        logs.matches("a deadline before this process started").count(),
        1,
        "{logs}"
    );
}
