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

/// A table on the moto server `scripts/test.sh` starts (`LAMBDO_DYNAMODB_ENDPOINT`),
/// for lambdo-dynamodb's idempotency records (partition key `id`).
async fn idempotency_table(endpoint: &str) -> String {
    let client = aws_sdk_dynamodb::Client::new(&lambdo_testing::moto_config(endpoint));
    lambdo_testing::create_table(&client, "faults-idempotency", &["id"]).await
}

/// The process is killed (at its timeout) after it claimed the key and started the
/// work: the claim expires with that invocation's deadline, and the retry in a new
/// process takes it over and finishes the work, once; a later repeat gets the stored
/// result without running it again.
#[tokio::test]
async fn a_process_killed_between_claim_and_completion_runs_the_work_once_after_the_claim_expires() {
    let endpoint = lambdo_testing::moto_endpoint();
    let table = idempotency_table(&endpoint).await;
    let log = std::env::temp_dir().join(format!("lambdo-charges-{}.log", std::process::id()));
    let _ = std::fs::remove_file(&log);
    let config = FunctionConfig::new(env!("CARGO_BIN_EXE_faulty"))
        .name("faulty")
        .timeout(Duration::from_secs(2))
        .env("IDEMPOTENCY_TABLE", table)
        .env("CHARGE_LOG", log.display().to_string())
        .env("AWS_ENDPOINT_URL", endpoint)
        .env("AWS_REGION", "eu-central-1")
        .env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing");
    let emulator = Emulator::start(config).await.unwrap();
    let charges = || std::fs::read_to_string(&log).unwrap_or_default();

    let hung = emulator.invoke(&json!({"charge": "o-1", "hang": true})).await;
    assert_eq!(error_type(&hung.outcome), "Sandbox.Timedout");
    assert_eq!(
        charges(),
        "start o-1\n",
        "the work started, then the process was killed"
    );

    let retried = emulator.invoke(&json!({"charge": "o-1", "hang": false})).await;
    assert!(retried.cold_start);
    assert!(
        matches!(retried.outcome, Outcome::Response(ref answer) if answer == "charged o-1"),
        "{:?}",
        retried.outcome
    );
    let repeated = emulator.invoke(&json!({"charge": "o-1", "hang": false})).await;
    assert!(matches!(repeated.outcome, Outcome::Response(ref answer) if answer == "charged o-1"));
    assert_eq!(charges(), "start o-1\nstart o-1\ndone o-1\n", "finished once");
    emulator.stop().await;
    let _ = std::fs::remove_file(&log);
}

/// A Runtime API whose `/next` answers `status` with these headers and body.
async fn misbehaving_runtime_api(status: u16, headers: &'static [(&'static str, &'static str)]) -> String {
    use axum::{http::StatusCode, routing::get, Router};
    let next = move || async move {
        let mut response = axum::response::Response::new(axum::body::Body::from("{}"));
        *response.status_mut() = StatusCode::from_u16(status).unwrap();
        for (name, value) in headers {
            response.headers_mut().insert(*name, value.parse().unwrap());
        }
        response
    };
    let router = Router::new().route("/2018-06-01/runtime/invocation/next", get(next));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap().to_string();
    tokio::spawn(async move { axum::serve(listener, router).await });
    address
}

/// What the Runtime API must not make lambdo do: panic, or end with a `Debug` dump.
#[tokio::test]
async fn a_runtime_api_that_breaks_its_contract_ends_the_process_with_one_clear_line() {
    let unreachable = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().to_string()
    };
    for (case, api) in [
        ("500", misbehaving_runtime_api(500, &[]).await),
        (
            "no request id",
            misbehaving_runtime_api(200, &[("content-type", "application/json")]).await,
        ),
        ("unreachable", unreachable),
    ] {
        let (code, logs) = run_faulty_against(api).await;
        assert_eq!(code, Some(1), "{case}: {logs}");
        assert!(!logs.contains("panicked"), "{case}: {logs}");
        let lines: Vec<&str> = logs.lines().filter(|line| !line.trim().is_empty()).collect();
        assert_eq!(lines.len(), 1, "{case}: {logs}");
        assert!(
            lines[0].contains("the Runtime API cannot be served"),
            "{case}: {logs}"
        );
    }
}

/// A Runtime API written on a bare socket, to break HTTP itself: each connection's
/// requests get `answer(request head, body)`'s bytes, then the connection is closed
/// when `answer` says so.
async fn raw_runtime_api(answer: impl Fn(&str, &[u8]) -> (Vec<u8>, bool) + Send + Sync + 'static) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap().to_string();
    let answer = std::sync::Arc::new(answer);
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            let answer = std::sync::Arc::clone(&answer);
            tokio::spawn(async move {
                let mut buffer = Vec::new();
                loop {
                    // One request: its head, then the body its Content-Length gives.
                    let head_end = loop {
                        if let Some(end) = buffer.windows(4).position(|w| w == b"\r\n\r\n") {
                            break end + 4;
                        }
                        let mut chunk = [0; 4096];
                        match socket.read(&mut chunk).await {
                            Ok(0) | Err(_) => return,
                            Ok(n) => buffer.extend_from_slice(&chunk[..n]),
                        }
                    };
                    let head = String::from_utf8_lossy(&buffer[..head_end]).into_owned();
                    let length = head
                        .lines()
                        .find_map(|line| {
                            line.to_ascii_lowercase()
                                .strip_prefix("content-length:")
                                .map(|n| n.trim().parse().unwrap_or(0))
                        })
                        .unwrap_or(0);
                    while buffer.len() < head_end + length {
                        let mut chunk = [0; 4096];
                        match socket.read(&mut chunk).await {
                            Ok(0) | Err(_) => return,
                            Ok(n) => buffer.extend_from_slice(&chunk[..n]),
                        }
                    }
                    let body: Vec<u8> = buffer.drain(..head_end + length).skip(head_end).collect();
                    let (bytes, close) = answer(&head, &body);
                    if socket.write_all(&bytes).await.is_err() || close {
                        return;
                    }
                }
            });
        }
    });
    address
}

/// The faulty bootstrap with Lambda's environment, pointed at the Runtime API `api`: how
/// it ended and what it wrote.
async fn run_faulty_against(api: String) -> (Option<i32>, String) {
    let lambda = lambdo_testing::RuntimeApi::start().await.unwrap();
    let run = tokio::process::Command::new(env!("CARGO_BIN_EXE_faulty"))
        .envs(lambda.lambda_env("faulty"))
        .env("AWS_LAMBDA_RUNTIME_API", api)
        .output();
    let output = tokio::time::timeout(Duration::from_secs(20), run)
        .await
        .expect("the process ends")
        .unwrap();
    let logs =
        String::from_utf8_lossy(&output.stdout).into_owned() + &String::from_utf8_lossy(&output.stderr);
    (output.status.code(), logs)
}

#[tokio::test]
async fn a_runtime_api_that_closes_every_connection_is_retried_then_one_line_ends_the_process() {
    let attempts = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let counted = std::sync::Arc::clone(&attempts);
    let api = raw_runtime_api(move |_, _| {
        counted.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        (Vec::new(), true)
    })
    .await;
    let (code, logs) = run_faulty_against(api).await;
    assert_eq!(code, Some(1), "{logs}");
    let lines: Vec<&str> = logs.lines().filter(|line| !line.trim().is_empty()).collect();
    assert_eq!(lines.len(), 1, "{logs}");
    assert!(lines[0].contains("the Runtime API cannot be served"), "{logs}");
    assert!(lines[0].contains("/next"), "what failed is named: {logs}");
    // A new connection for each try, with backoff, before giving up.
    assert_eq!(attempts.load(std::sync::atomic::Ordering::SeqCst), 5, "{logs}");
}

#[tokio::test]
async fn an_event_cut_short_fails_that_invocation_and_the_process_polls_again() {
    let requests = std::sync::Arc::new(std::sync::Mutex::new(Vec::<String>::new()));
    let seen = std::sync::Arc::clone(&requests);
    let api = raw_runtime_api(move |head, body| {
        let request_line = head.lines().next().unwrap_or_default().to_owned();
        let mut seen = seen.lock().unwrap();
        let nexts = seen.iter().filter(|line| line.contains("/next")).count();
        let entry = format!("{request_line} {}", String::from_utf8_lossy(body));
        seen.push(entry);
        if request_line.contains("/next") {
            if nexts == 0 {
                // The headers say 100 bytes; 10 come, then the connection closes.
                let head = "HTTP/1.1 200 OK\r\nlambda-runtime-aws-request-id: cut-1\r\nlambda-runtime-deadline-ms: 99999999999999\r\ncontent-type: application/json\r\ncontent-length: 100\r\n\r\n";
                return ([head.as_bytes(), br#"{"records"#].concat(), true);
            }
            // The second poll: the Runtime API gives up (lambdo ends, the test too).
            let answer = "HTTP/1.1 500 Internal Server Error\r\ncontent-length: 0\r\n\r\n";
            return (answer.as_bytes().to_vec(), true);
        }
        (b"HTTP/1.1 202 Accepted\r\ncontent-length: 0\r\n\r\n".to_vec(), false)
    })
    .await;
    let (code, logs) = run_faulty_against(api).await;
    assert_eq!(code, Some(1), "{logs}");
    let requests = requests.lock().unwrap().clone();
    assert_eq!(requests.len(), 3, "{requests:#?}");
    assert!(requests[0].starts_with("GET /2018-06-01/runtime/invocation/next"));
    assert!(
        requests[1].starts_with("POST /2018-06-01/runtime/invocation/cut-1/error")
            && requests[1].contains("Lambdo.TruncatedEvent"),
        "{requests:#?}"
    );
    assert!(requests[2].starts_with("GET /2018-06-01/runtime/invocation/next"));
    assert!(logs.contains("the event did not arrive whole"), "{logs}");
    assert!(!logs.contains("panicked"), "{logs}");
}
