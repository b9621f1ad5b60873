//! Runs one variant on one event many times, for profilers (callgrind, perf).
//! `cargo run --release -p lambdo-bench --example profile -- lambdo rest_v1 10000`
//! `cargo run --release -p lambdo-bench --example profile -- lambdo_sqs sqs10 10000`
//! (record sources: `lambdo_<source>` or `hand_written_<source>` on a `<source><N>`
//! batch of N records, for `sqs`, `kinesis`, `dynamodb` and `sns`; `borrowed_sqs`,
//! `borrowed_kinesis`, `borrowed_dynamodb` and `borrowed_sns`: the borrowed envelope
//! alone, no framework)
//! With `LAMBDO_BENCH_LOGS=1`, lambdo's Lambda log subscriber is installed (lines go
//! nowhere): spans and log lines then cost what they cost in a deployment. With
//! `LAMBDO_BENCH_XRAY=1`, the same with active tracing: every invocation sampled, its
//! subsegments sent to a loopback socket.

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let variant = args.get(1).map_or("lambdo", String::as_str).to_owned();
    let payload = args.get(2).map_or("http_api_v2", String::as_str).to_owned();
    let count: usize = args.get(3).and_then(|n| n.parse().ok()).unwrap_or(10_000);
    // `<source><N>`: a batch of N orders; anything else names an HTTP event.
    let digits = payload
        .find(|c: char| c.is_ascii_digit())
        .unwrap_or(payload.len());
    let (source, records) = (&payload[..digits], payload[digits..].parse::<usize>().ok());
    use lambdo_bench::records;
    let event = match (source, records) {
        ("sqs", Some(n)) => records::order_batch(n),
        ("kinesis", Some(n)) => records::kinesis_batch(n),
        ("dynamodb", Some(n)) => records::dynamodb_batch(n),
        ("sns", Some(1)) => records::sns_batch(),
        _ => {
            lambdo_bench::events()
                .into_iter()
                .find(|(name, _)| *name == payload)
                .expect("a known payload")
                .1
        }
    };
    if std::env::var_os("LAMBDO_BENCH_XRAY").is_some() {
        lambdo_bench::install_json_logs_and_xray();
    } else if std::env::var_os("LAMBDO_BENCH_LOGS").is_some() {
        lambdo_bench::install_json_logs();
    }
    let runtime = tokio::runtime::Builder::new_current_thread().build().unwrap();
    let lambdo = lambdo_bench::Lambdo::default();
    let lambda_http = lambdo_bench::LambdaHttp::default();
    let router = lambdo_bench::router();
    let lambdo_records = match source {
        "kinesis" => records::LambdoRecords::kinesis(),
        "dynamodb" => records::LambdoRecords::dynamodb(),
        "sns" => records::LambdoRecords::sns(),
        _ => records::LambdoRecords::sqs(),
    };
    let mut bytes = 0;
    let started = std::time::Instant::now();
    for _ in 0..count {
        bytes += match variant.as_str() {
            "lambdo" => runtime.block_on(lambdo.handle(&event)).len(),
            "lambda_http" => runtime.block_on(lambda_http.handle(&event)).len(),
            "hand_written" => lambdo_bench::hand_written_v2(&event).len(),
            "lambdo_sqs" | "lambdo_kinesis" | "lambdo_dynamodb" | "lambdo_sns" => {
                runtime.block_on(lambdo_records.handle(&event)).len()
            }
            "hand_written_sqs" => records::hand_written_sqs(&event).len(),
            "hand_written_kinesis" => records::hand_written_kinesis(&event).len(),
            "hand_written_dynamodb" => records::hand_written_dynamodb(&event).len(),
            "hand_written_sns" => records::hand_written_sns(&event).len(),
            "borrowed_sqs" => records::borrowed_sqs(&event).len(),
            "borrowed_sns" => records::borrowed_sns(&event).len(),
            "borrowed_kinesis" => records::borrowed_kinesis(&event).len(),
            "borrowed_dynamodb" => records::borrowed_dynamodb(&event).len(),
            // The floor: the router alone on a ready request (what every variant pays).
            "router_only" => runtime.block_on(async {
                use tower::ServiceExt;
                let request = http::Request::get("/todos/1")
                    .header("host", "example.com")
                    .body(axum::body::Body::empty())
                    .unwrap();
                let response = router.clone().oneshot(request).await.unwrap();
                let body = http_body_util::BodyExt::collect(response.into_body())
                    .await
                    .unwrap();
                body.to_bytes().len()
            }),
            other => panic!("unknown variant {other}"),
        };
    }
    let elapsed = started.elapsed();
    println!(
        "{variant} {payload} x{count}: {bytes} bytes, {} ns per run",
        elapsed.as_nanos() / count.max(1) as u128
    );
}
