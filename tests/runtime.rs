//! The runtime around the handlers, through real processes (`tests/bin/probe.rs` under
//! the emulator): concurrent invocations on Lambda Managed Instances, each keeping
//! its own logs, metrics and trace; graceful shutdown on SIGTERM.

use std::time::Duration;

use futures_util::future::join_all;
use lambdo_testing::{Emulator, FunctionConfig, Invocation, Outcome, RuntimeApi, Shutdown, SqsBatch};
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

fn function_url_get(path: &str) -> Value {
    let request = http::Request::get(path).body(Vec::new()).unwrap();
    lambdo_testing::HttpEvent::new(lambdo_testing::PayloadVersion::FunctionUrl).from_request(&request)
}

/// The probe under a bare Runtime API, for reading a stream as it comes.
async fn probe_process(api: &RuntimeApi) -> tokio::process::Child {
    tokio::process::Command::new(env!("CARGO_BIN_EXE_probe"))
        .envs(api.lambda_env("probe"))
        .stdout(std::process::Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .unwrap()
}

#[tokio::test]
async fn a_function_url_response_streams_its_head_first_then_each_chunk_as_it_is_made() {
    let api = RuntimeApi::start().await.unwrap();
    let _process = probe_process(&api).await;
    let mut stream = api
        .invoke_streaming(&function_url_get("/ticks"), Duration::from_secs(10))
        .await
        .unwrap();
    assert_eq!(
        stream.content_type(),
        Some("application/vnd.awslambda.http-integration-response")
    );
    // The head, then `tick 1`, before the route has made the next ones.
    let mut read = Vec::new();
    let head = loop {
        read.extend_from_slice(&stream.next_chunk().await.expect("the head"));
        if let Some(end) = read.windows(8).position(|window| window == [0; 8]) {
            let head: Value = serde_json::from_slice(&read[..end]).unwrap();
            read.drain(..end + 8);
            break head;
        }
    };
    assert_eq!(head["statusCode"], 200);
    assert_eq!(head["headers"]["content-type"], "text/plain");
    assert_eq!(head["cookies"], json!(["session=1; Secure"]));
    let mut arrivals = Vec::new();
    let started = std::time::Instant::now();
    while let Some(chunk) = stream.next_chunk().await {
        read.extend_from_slice(&chunk);
        arrivals.push(started.elapsed());
    }
    assert_eq!(String::from_utf8(read).unwrap(), "tick 1\ntick 2\ntick 3\n");
    assert!(stream.error().is_none(), "{:?}", stream.error());
    // The last tick came ~400 ms after the first: they were not held back and sent
    // together at the end.
    let spread = arrivals.last().unwrap().saturating_sub(arrivals[0]);
    assert!(spread >= Duration::from_millis(300), "{arrivals:?}");

    // The process goes on to the next invocation.
    let outcome = api
        .invoke(&json!({"tag": 9}), Duration::from_secs(10))
        .await
        .unwrap();
    assert!(
        matches!(outcome, Outcome::Response(ref answer) if answer["tag"] == 9),
        "{outcome:?}"
    );
}

#[tokio::test]
async fn a_stream_that_fails_midway_ends_with_lambdas_error_trailers() {
    let emulator = Emulator::start(probe()).await.unwrap();
    let invocation = emulator.invoke(&function_url_get("/broken")).await;
    let Outcome::Streamed(streamed) = &invocation.outcome else {
        panic!("expected a stream, got {:?}", invocation.outcome);
    };
    let (head, body) = streamed.http_parts().unwrap();
    assert_eq!(head["statusCode"], 200);
    assert_eq!(body, b"first\n");
    let error = streamed.error.as_ref().expect("the error trailers");
    assert_eq!(error.error_type, "Lambdo.ResponseStream");
    assert!(error.error_message.contains("the disk went away"), "{error:?}");
    // One log line says so, with the invocation's request id.
    let lines = emulator.stdout_json();
    let failed: Vec<&Value> = lines
        .iter()
        .filter(|line| line["message"] == "the response stream failed midway")
        .collect();
    assert_eq!(failed.len(), 1, "{lines:#?}");
    assert_eq!(failed[0]["requestId"], invocation.request_id.as_str());
    // And the process serves the next invocation.
    let next = emulator.invoke(&json!({"tag": 2})).await;
    assert_eq!(answer(&next)["tag"], 2);
    emulator.stop().await;
}

#[tokio::test]
async fn other_http_events_and_buffered_callers_get_the_buffered_response() {
    let emulator = Emulator::start(probe()).await.unwrap();
    let request = http::Request::get("/ticks").body(Vec::new()).unwrap();
    let event = lambdo_testing::HttpEvent::new(lambdo_testing::PayloadVersion::HttpV2).from_request(&request);
    let invocation = emulator.invoke(&event).await;
    let answer = answer(&invocation);
    assert_eq!(answer["statusCode"], 200);
    assert_eq!(answer["body"], "tick 1\ntick 2\ntick 3\n");
    assert_eq!(answer["cookies"], json!(["session=1; Secure"]));
    emulator.stop().await;
}

#[tokio::test]
async fn local_mode_streams_the_same_route() {
    use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt};
    let mut process = tokio::process::Command::new(env!("CARGO_BIN_EXE_probe"))
        .env_remove("AWS_LAMBDA_RUNTIME_API")
        .env("LAMBDO_LOCAL_ADDR", "127.0.0.1:0")
        .stderr(std::process::Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    // Its first line names the address it serves.
    let mut stderr = tokio::io::BufReader::new(process.stderr.take().unwrap()).lines();
    let first = tokio::time::timeout(Duration::from_secs(10), stderr.next_line())
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    let address = first
        .split("http://")
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .unwrap_or_else(|| panic!("no address in {first:?}"))
        .to_owned();
    let mut socket = tokio::net::TcpStream::connect(&address).await.unwrap();
    let request = format!("GET /ticks HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\n\r\n");
    socket.write_all(request.as_bytes()).await.unwrap();
    let started = std::time::Instant::now();
    let mut arrivals = Vec::new();
    let mut received = Vec::new();
    let mut buffer = [0; 4096];
    loop {
        let read = tokio::time::timeout(Duration::from_secs(10), socket.read(&mut buffer))
            .await
            .unwrap()
            .unwrap();
        if read == 0 {
            break;
        }
        received.extend_from_slice(&buffer[..read]);
        arrivals.push((
            started.elapsed(),
            String::from_utf8_lossy(&buffer[..read]).contains("tick 3"),
        ));
    }
    let text = String::from_utf8_lossy(&received);
    assert!(text.starts_with("HTTP/1.1 200 OK"), "{text}");
    assert!(text.contains("tick 1\n") && text.contains("tick 3\n"), "{text}");
    // `tick 3` came well after the first bytes (the head): the body was streamed, not
    // buffered and sent at the end.
    let (last, _) = arrivals.iter().find(|(_, has_last)| *has_last).unwrap();
    assert!(
        last.saturating_sub(arrivals[0].0) >= Duration::from_millis(300),
        "{arrivals:?}"
    );
}

#[tokio::test]
async fn a_failed_invocation_is_logged_once() {
    let emulator = Emulator::start(probe()).await.unwrap();
    let invocation = emulator.invoke(&json!({"tag": "not a number"})).await;
    assert!(
        matches!(&invocation.outcome, Outcome::Error(diagnostic) if diagnostic.error_type == "Lambdo.EventDecode"),
        "{:?}",
        invocation.outcome
    );
    let errors: Vec<Value> = emulator
        .stdout_json()
        .into_iter()
        .filter(|line| line["level"] == "ERROR")
        .collect();
    assert_eq!(errors.len(), 1, "{errors:#?}");
    assert_eq!(errors[0]["requestId"], invocation.request_id.as_str());
    let stderr: Vec<_> = emulator
        .logs()
        .into_iter()
        .filter(|line| line.stream == lambdo_testing::LogStream::Stderr)
        .collect();
    assert!(stderr.is_empty(), "{stderr:#?}");
    emulator.stop().await;
}

/// Debug lines held per invocation (`LAMBDO_LOG_BUFFER=debug`) reach the log only for
/// the invocation that failed, before its error line, even with another invocation in
/// flight at the same time; with `LAMBDO_LOG_SAMPLE_RATE=1` every invocation logs them.
#[tokio::test]
async fn buffered_debug_lines_are_written_for_the_failed_invocation_only() {
    let emulator = Emulator::start(probe().max_concurrency(2).env("LAMBDO_LOG_BUFFER", "debug"))
        .await
        .unwrap();
    let failing = json!({"tag": 1, "together": 2, "fail": true});
    let fine = json!({"tag": 2, "together": 2});
    let (failed, succeeded) = tokio::join!(emulator.invoke(&failing), emulator.invoke(&fine));
    assert!(
        matches!(failed.outcome, Outcome::Error(_)),
        "{:?}",
        failed.outcome
    );
    assert!(
        matches!(succeeded.outcome, Outcome::Response(_)),
        "{:?}",
        succeeded.outcome
    );
    let lines = emulator.stdout_json();
    let of = |request_id: &str| -> Vec<(String, String)> {
        lines
            .iter()
            .filter(|line| line["requestId"] == request_id && line.get("_aws").is_none())
            .map(|line| {
                let text = |key: &str| line[key].as_str().unwrap_or_default().to_owned();
                (text("message"), text("timestamp"))
            })
            .collect()
    };
    let messages = |lines: &[(String, String)]| {
        lines
            .iter()
            .map(|(message, _)| message.clone())
            .collect::<Vec<_>>()
    };
    // Held until the error: written after the lines already out, with the time it was
    // logged at (earlier than theirs).
    let failed_lines = of(&failed.request_id);
    assert_eq!(
        messages(&failed_lines),
        ["working", "looking closer", "the invocation failed"],
        "{lines:#?}"
    );
    assert!(failed_lines[1].1 <= failed_lines[0].1, "{failed_lines:?}");
    assert_eq!(messages(&of(&succeeded.request_id)), ["working"], "{lines:#?}");
    emulator.stop().await;

    let sampled = Emulator::start(probe().env("LAMBDO_LOG_SAMPLE_RATE", "1"))
        .await
        .unwrap();
    let invocation = sampled.invoke(&json!({"tag": 3})).await;
    let lines = sampled.stdout_json();
    let debug: Vec<&Value> = lines
        .iter()
        .filter(|line| {
            line["message"] == "looking closer" && line["requestId"] == invocation.request_id.as_str()
        })
        .collect();
    assert_eq!(debug.len(), 1, "{lines:#?}");
    assert_eq!(debug[0]["level"], "DEBUG");
    sampled.stop().await;
}
