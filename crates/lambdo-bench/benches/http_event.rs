//! One HTTP event → routed handler → serialized response, per payload version:
//! lambdo against axum on `lambda_http` (and a hand-written v2 handler), in one run.
//!
//! `cargo bench -p lambdo-bench` prints criterion's figures and then a ratio table.

use std::{hint::black_box, path::PathBuf, time::Duration};

use criterion::Criterion;
use lambdo_bench::{events, hand_written_v2, LambdaHttp, Lambdo};

fn output_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target"))
        .join("criterion")
}

fn bench(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_current_thread().build().unwrap();
    let lambdo = Lambdo::default();
    let lambda_http = LambdaHttp::default();
    for (name, event) in events() {
        let mut group = c.benchmark_group(name);
        group.bench_function("lambdo", |b| {
            b.iter(|| runtime.block_on(lambdo.handle(black_box(&event))))
        });
        group.bench_function("lambda_http_axum", |b| {
            b.iter(|| runtime.block_on(lambda_http.handle(black_box(&event))))
        });
        if name == "http_api_v2" {
            group.bench_function("hand_written", |b| b.iter(|| hand_written_v2(black_box(&event))));
        }
        group.finish();
    }
}

/// Criterion's mean estimate (ns) for one benchmark of this run.
fn mean_ns(group: &str, bench: &str) -> Option<f64> {
    let path = output_dir().join(group).join(bench).join("new/estimates.json");
    let json: serde_json::Value = serde_json::from_slice(&std::fs::read(path).ok()?).ok()?;
    json["mean"]["point_estimate"].as_f64()
}

fn print_ratios() {
    println!("\nper event, event bytes → response bytes (mean of this run):");
    println!(
        "{:<14} {:>12} {:>18} {:>14} {:>16}",
        "payload", "lambdo", "lambda_http+axum", "hand-written", "lambdo / axum"
    );
    for (name, _) in events() {
        let (Some(ours), Some(theirs)) = (mean_ns(name, "lambdo"), mean_ns(name, "lambda_http_axum")) else {
            continue;
        };
        let hand =
            mean_ns(name, "hand_written").map_or("-".to_owned(), |ns| format!("{:.2} µs", ns / 1000.0));
        println!(
            "{:<14} {:>9.2} µs {:>15.2} µs {:>14} {:>16.2}",
            name,
            ours / 1000.0,
            theirs / 1000.0,
            hand,
            ours / theirs
        );
    }
}

fn main() {
    let mut criterion = Criterion::default()
        .output_directory(&output_dir())
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2))
        .configure_from_args();
    bench(&mut criterion);
    criterion.final_summary();
    print_ratios();
}
