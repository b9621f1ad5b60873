//! Wall-clock figures, side by side in one run:
//!
//! - one HTTP event → routed handler → serialized response, per payload version: lambdo
//!   against axum on `lambda_http` (and a hand-written v2 handler);
//! - batches of records (SQS, Kinesis, DynamoDB Streams, SNS): lambdo's per-record
//!   handler against the hand-written `aws_lambda_events` consumer, per record.
//!
//! `cargo bench -p lambdo-bench` prints criterion's figures and then the ratio tables;
//! a filter (`cargo bench -p lambdo-bench -- sqs`) runs some of them.

use std::{hint::black_box, path::PathBuf, time::Duration};

use bytes::Bytes;
use criterion::Criterion;
use lambdo_bench::{events, hand_written_v2, records, LambdaHttp, Lambdo};

fn output_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target"))
        .join("criterion")
}

type Consumer = fn(&[u8]) -> Vec<u8>;

/// A record batch compared (the same batches as `scripts/bench.sh`).
struct Batch {
    name: &'static str,
    records: usize,
    event: Bytes,
    lambdo: records::LambdoRecords,
    hand_written: Consumer,
    /// The borrowed envelope alone, without a framework (SQS, Kinesis and SNS).
    floor: Option<Consumer>,
}

fn batches() -> Vec<Batch> {
    use records::*;
    let sqs = |name, records| Batch {
        name,
        records,
        event: order_batch(records),
        lambdo: LambdoRecords::sqs(),
        hand_written: hand_written_sqs,
        floor: Some(borrowed_sqs),
    };
    vec![
        sqs("sqs_10", 10),
        sqs("sqs_10000", 10_000),
        Batch {
            name: "kinesis_100",
            records: 100,
            event: kinesis_batch(100),
            lambdo: LambdoRecords::kinesis(),
            hand_written: hand_written_kinesis,
            floor: Some(borrowed_kinesis),
        },
        Batch {
            name: "dynamodb_100",
            records: 100,
            event: dynamodb_batch(100),
            lambdo: LambdoRecords::dynamodb(),
            hand_written: hand_written_dynamodb,
            floor: Some(borrowed_dynamodb),
        },
        Batch {
            name: "sns_1",
            records: 1,
            event: sns_batch(),
            lambdo: LambdoRecords::sns(),
            hand_written: hand_written_sns,
            floor: Some(borrowed_sns),
        },
    ]
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
    for batch in batches() {
        let event = &batch.event;
        let mut group = c.benchmark_group(batch.name);
        group.bench_function("lambdo", |b| {
            b.iter(|| runtime.block_on(batch.lambdo.handle(black_box(event))))
        });
        group.bench_function("hand_written", |b| {
            b.iter(|| (batch.hand_written)(black_box(event)))
        });
        if let Some(floor) = batch.floor {
            group.bench_function("floor", |b| b.iter(|| floor(black_box(event))));
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
    println!("\nper record, batch bytes → batch response bytes (mean of this run):");
    println!(
        "{:<14} {:>12} {:>14} {:>12} {:>14} {:>12}",
        "batch", "lambdo", "hand-written", "floor", "lambdo / hand", "floor / hand"
    );
    for Batch { name, records, .. } in batches() {
        let (Some(ours), Some(theirs)) = (mean_ns(name, "lambdo"), mean_ns(name, "hand_written")) else {
            continue;
        };
        let per_record = |ns: f64| format!("{:.2} µs", ns / 1000.0 / records as f64);
        let floor = mean_ns(name, "floor");
        println!(
            "{:<14} {:>12} {:>14} {:>12} {:>14.2} {:>12}",
            name,
            per_record(ours),
            per_record(theirs),
            floor.map_or("-".to_owned(), per_record),
            ours / theirs,
            floor.map_or("-".to_owned(), |floor| format!("{:.2}", floor / theirs)),
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
