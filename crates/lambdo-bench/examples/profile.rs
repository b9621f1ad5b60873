//! Runs one variant on one event many times, for profilers (callgrind, perf).
//! `cargo run --release -p lambdo-bench --example profile -- lambdo rest_v1 10000`
//! `cargo run --release -p lambdo-bench --example profile -- lambdo_sqs sqs10 10000`

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let variant = args.get(1).map_or("lambdo", String::as_str).to_owned();
    let payload = args.get(2).map_or("http_api_v2", String::as_str).to_owned();
    let count: usize = args.get(3).and_then(|n| n.parse().ok()).unwrap_or(10_000);
    // `sqs<N>`: a batch of N orders; anything else names an HTTP event.
    let event = match payload.strip_prefix("sqs").and_then(|n| n.parse().ok()) {
        Some(records) => lambdo_bench::sqs::order_batch(records),
        None => {
            lambdo_bench::events()
                .into_iter()
                .find(|(name, _)| *name == payload)
                .expect("a known payload")
                .1
        }
    };
    let runtime = tokio::runtime::Builder::new_current_thread().build().unwrap();
    let lambdo = lambdo_bench::Lambdo::default();
    let lambda_http = lambdo_bench::LambdaHttp::default();
    let router = lambdo_bench::router();
    let lambdo_sqs = lambdo_bench::sqs::LambdoSqs::default();
    let mut bytes = 0;
    for _ in 0..count {
        bytes += match variant.as_str() {
            "lambdo" => runtime.block_on(lambdo.handle(&event)).len(),
            "lambda_http" => runtime.block_on(lambda_http.handle(&event)).len(),
            "hand_written" => lambdo_bench::hand_written_v2(&event).len(),
            "lambdo_sqs" => runtime.block_on(lambdo_sqs.handle(&event)).len(),
            "hand_written_sqs" => lambdo_bench::sqs::hand_written_sqs(&event).len(),
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
    println!("{variant} {payload} x{count}: {bytes} bytes");
}
