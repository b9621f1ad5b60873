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
