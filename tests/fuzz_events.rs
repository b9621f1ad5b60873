//! A mutation fuzzer over real sample events (the `aws_lambda_events` crate's and `sam
//! local generate-event`'s), on the stable toolchain, in the test suite: a fixed seed,
//! 50,000 cases a run. On every case:
//!
//! - no panic escapes `Function::call`, and no case hangs (a watchdog ends the run);
//! - valid JSON never gets `Lambdo.InvalidEvent`, bytes that are not JSON always do;
//! - a batch answered with `batchItemFailures` accounts for every record exactly once:
//!   its handler succeeded, or it is listed failed (never both, never neither).
//!
//! Longer runs: `LAMBDO_FUZZ_CASES=1000000 LAMBDO_FUZZ_SEED=7 cargo test --release -p
//! lambdo-tests --test fuzz_events`. A failing case prints its seed and index; the same
//! seed replays it.

use std::{
    collections::{HashMap, HashSet},
    sync::{
        atomic::{AtomicBool, AtomicU64, Ordering},
        Arc, Mutex,
    },
    time::{Duration, Instant},
};

use axum::{routing::any, Router};
use lambdo::{
    dynamodb::DynamoDbRecord, kinesis::KinesisRecord, sns::SnsRecord, sqs::SqsRecord, App, Context, Function,
    State,
};
use lambdo_testing::{fixtures, DynamoDbStreamBatch, KinesisBatch, SqsBatch};
use lambdo_tests::SOURCE_KEYS;
use serde_json::{json, Value};

/// SplitMix64: a small, well-mixed generator, so a seed replays a run exactly.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }

    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

/// Strings that mean something to some source.
const TEXTS: &[&str] = &[
    "",
    "aws:sqs",
    "aws:kinesis",
    "aws:dynamodb",
    "aws:sns",
    "aws:s3",
    "aws.events",
    "Scheduled Event",
    "2.0",
    "1.0",
    "GET",
    "POST",
    "/",
    "/a%2Fb",
    "$connect",
    "$default",
    "TOKEN",
    "REQUEST",
    "INSERT",
    "MODIFY",
    "REMOVE",
    "PreSignUp_SignUp",
    "TokenGeneration_Authentication",
    "eyJhIjoxfQ==",
    "not base64 !",
    "\u{0}",
    "\u{fffd}",
    "日本",
    "a\"b\\c",
    "9999999999999999999999",
];

fn random_value(rng: &mut Rng, depth: usize) -> Value {
    match rng.below(if depth == 0 { 5 } else { 7 }) {
        0 => Value::Null,
        1 => Value::Bool(rng.chance(50)),
        2 => match rng.below(4) {
            0 => json!(rng.next() as i64),
            1 => json!(-(rng.below(1000) as i64)),
            2 => json!(rng.below(10) as f64 / 3.0),
            _ => json!(u64::MAX),
        },
        3 | 4 => Value::String((*rng.pick(TEXTS)).to_owned()),
        5 => Value::Array((0..rng.below(4)).map(|_| random_value(rng, depth - 1)).collect()),
        _ => Value::Object(
            (0..rng.below(4))
                .map(|_| ((*rng.pick(SOURCE_KEYS)).to_owned(), random_value(rng, depth - 1)))
                .collect(),
        ),
    }
}

/// Every node's path (keys and indices), to pick one to mutate.
fn paths(value: &Value, prefix: &mut Vec<Step>, out: &mut Vec<Vec<Step>>) {
    out.push(prefix.clone());
    match value {
        Value::Object(map) => {
            for (key, child) in map {
                prefix.push(Step::Key(key.clone()));
                paths(child, prefix, out);
                prefix.pop();
            }
        }
        Value::Array(items) => {
            for (index, child) in items.iter().enumerate() {
                prefix.push(Step::Index(index));
                paths(child, prefix, out);
                prefix.pop();
            }
        }
        _ => {}
    }
}

#[derive(Clone, Debug)]
enum Step {
    Key(String),
    Index(usize),
}

fn at<'v>(value: &'v mut Value, path: &[Step]) -> Option<&'v mut Value> {
    path.iter().try_fold(value, |node, step| match step {
        Step::Key(key) => node.get_mut(key.as_str()),
        Step::Index(index) => node.get_mut(*index),
    })
}

/// One structural change somewhere in `event`.
fn mutate(rng: &mut Rng, event: &mut Value, seeds: &[Value]) {
    let mut all = Vec::new();
    paths(event, &mut Vec::new(), &mut all);
    let path = rng.pick(&all).clone();
    let Some(node) = at(event, &path) else { return };
    match rng.below(8) {
        // Another value, of any type.
        0 | 1 => *node = random_value(rng, 2),
        // A key a source reads, planted.
        2 => {
            if let Value::Object(map) = node {
                map.insert((*rng.pick(SOURCE_KEYS)).to_owned(), random_value(rng, 2));
            }
        }
        // An entry or element removed.
        3 => match node {
            Value::Object(map) if !map.is_empty() => {
                let key = map.keys().nth(rng.below(map.len())).cloned().unwrap();
                map.remove(&key);
            }
            Value::Array(items) if !items.is_empty() => {
                items.remove(rng.below(items.len()));
            }
            _ => *node = Value::Null,
        },
        // An element repeated (duplicate records).
        4 => {
            if let Value::Array(items) = node {
                if let Some(item) = items.get(rng.below(items.len())).cloned() {
                    items.push(item);
                }
            }
        }
        // Records of another event (a batch mixing sources).
        5 => {
            let other = rng.pick(seeds);
            if let (Some(Value::Array(records)), Value::Array(mine)) = (other.get("Records"), &mut *node) {
                if let Some(record) = records.first() {
                    mine.push(record.clone());
                }
            } else if let Some(records) = other.get("Records") {
                *node = records.clone();
            }
        }
        // A string with its type kept but its text changed.
        6 => {
            if node.is_string() {
                *node = Value::String((*rng.pick(TEXTS)).to_owned());
            }
        }
        // Nested deeper.
        _ => *node = Value::Array(vec![node.take()]),
    }
}

/// Bytes that are mostly JSON: truncated, a byte changed, a byte inserted.
fn mutate_bytes(rng: &mut Rng, bytes: &mut Vec<u8>) {
    if bytes.is_empty() {
        return;
    }
    let at = rng.below(bytes.len());
    match rng.below(3) {
        0 => bytes.truncate(at),
        1 => bytes[at] = rng.next() as u8,
        _ => bytes.insert(at, *rng.pick(b"{}[]\",:\\\x00\xff0-e")),
    }
}

/// Which records each handler finished, by identifier.
#[derive(Clone, Default)]
struct Finished(Arc<Mutex<Vec<String>>>);

impl Finished {
    fn record(&self, id: &str) -> Result<(), lambdo::BoxError> {
        // Some records fail, some panic: both must be listed failed.
        match id.bytes().map(u32::from).sum::<u32>() % 7 {
            0 => Err("this record fails".into()),
            1 => panic!("this record panics"),
            _ => {
                self.0.lock().unwrap().push(id.to_owned());
                Ok(())
            }
        }
    }

    fn take(&self) -> Vec<String> {
        std::mem::take(&mut self.0.lock().unwrap())
    }
}

async fn on_sqs(State(done): State<Finished>, record: SqsRecord) -> Result<(), lambdo::BoxError> {
    done.record(record.message_id())
}

async fn on_kinesis(State(done): State<Finished>, record: KinesisRecord) -> Result<(), lambdo::BoxError> {
    done.record(record.sequence_number())
}

async fn on_dynamodb(State(done): State<Finished>, record: DynamoDbRecord) -> Result<(), lambdo::BoxError> {
    done.record(record.sequence_number())
}

async fn on_sns(_record: SnsRecord) -> Result<(), lambdo::BoxError> {
    Ok(())
}

fn function(done: &Finished) -> Function {
    let router = Router::new().route("/{*path}", any(|| async { "ok" }));
    App::new(done.clone())
        .http(router)
        .sqs(on_sqs)
        .kinesis(on_kinesis)
        .dynamodb_stream(on_dynamodb)
        .sns(on_sns)
        .schedule(|| async { Ok::<(), lambdo::BoxError>(()) })
        .websocket("$default", || async { Ok::<(), lambdo::BoxError>(()) })
        .into_function()
}

/// The identifier Lambda expects back for each record of a partial-response batch.
fn record_ids(event: &Value) -> Option<Vec<String>> {
    let records = event.get("Records")?.as_array()?;
    let first_source = records.first()?.get("eventSource")?.as_str()?;
    let id_of = |record: &Value| -> Option<String> {
        let id = match first_source {
            "aws:sqs" => record.get("messageId"),
            "aws:kinesis" => record.get("kinesis")?.get("sequenceNumber"),
            "aws:dynamodb" => record.get("dynamodb")?.get("SequenceNumber"),
            _ => None,
        }?;
        id.as_str().map(str::to_owned)
    };
    records.iter().map(id_of).collect()
}

/// What is wrong with `answer` to `bytes`, if anything.
fn violation(
    bytes: &[u8],
    answer: &Result<Box<serde_json::value::RawValue>, lambdo::Error>,
    finished: &[String],
) -> Option<String> {
    // JSON text: UTF-8 (Lambda's Invoke API refuses other bytes itself) in JSON's
    // grammar, whether or not it fits a `serde_json::Value` (`1e999` is JSON too).
    let is_json = std::str::from_utf8(bytes)
        .is_ok_and(|text| serde_json::from_str::<serde::de::IgnoredAny>(text).is_ok());
    match answer {
        Err(error) if is_json && error.error_type() == "Lambdo.InvalidEvent" => {
            return Some(format!("valid JSON refused as invalid: {error}"));
        }
        Ok(_) if !is_json => return Some("bytes that are not JSON were answered".to_owned()),
        Err(error) if !is_json && error.error_type() != "Lambdo.InvalidEvent" => {
            return Some(format!("bytes that are not JSON got {}", error.error_type()));
        }
        _ => {}
    }
    let (Ok(event), Ok(answer)) = (serde_json::from_slice::<Value>(bytes), answer) else {
        return None;
    };
    let answer: Value = serde_json::from_str(answer.get()).ok()?;
    let failures = answer.get("batchItemFailures")?.as_array()?;
    BATCHES.fetch_add(1, Ordering::Relaxed);
    let failed: Vec<&str> = failures
        .iter()
        .filter_map(|failure| failure.get("itemIdentifier")?.as_str())
        .collect();
    let Some(ids) = record_ids(&event) else {
        return (!failures.is_empty())
            .then(|| format!("failures {failed:?} for a batch without readable ids"));
    };
    if ids.iter().collect::<HashSet<_>>().len() != ids.len() {
        return None; // Repeated identifiers: Lambda could not tell them apart either.
    }
    let mut outcomes: HashMap<&str, usize> = ids.iter().map(|id| (id.as_str(), 0)).collect();
    for id in failed.iter().copied().chain(finished.iter().map(String::as_str)) {
        match outcomes.get_mut(id) {
            Some(count) => *count += 1,
            None => return Some(format!("`{id}` is no record of the batch")),
        }
    }
    let wrong: Vec<_> = outcomes.iter().filter(|(_, count)| **count != 1).collect();
    (!wrong.is_empty()).then(|| format!("records not ended exactly once (id, times): {wrong:?}"))
}

/// How many cases were batches answered with `batchItemFailures`.
static BATCHES: AtomicU64 = AtomicU64::new(0);

fn env_number(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|text| text.parse().ok())
        .unwrap_or(default)
}

#[test]
fn mutated_sample_events_keep_lambdo_s_contract() {
    let cases = env_number("LAMBDO_FUZZ_CASES", 50_000);
    let seed = env_number("LAMBDO_FUZZ_SEED", 20_261_201);
    let mut samples = fixtures::aws_lambda_events_samples();
    samples.extend(fixtures::sam_events());
    let seeds: Vec<Value> = samples
        .iter()
        .filter_map(|(_, text)| serde_json::from_str(text).ok())
        .collect();
    assert!(seeds.len() > 150, "the sample events are there");
    // Batches of ten, so that mutations reach records beside records that are fine; each
    // several times, for about a fifth of the cases.
    let batches = [
        (0..10)
            .fold(SqsBatch::standard("orders"), |batch, n| {
                batch.message(&json!({"n": n}))
            })
            .to_event(),
        (0..10)
            .fold(SqsBatch::fifo("orders.fifo"), |batch, n| {
                batch.grouped(["a", "b"][n % 2], &json!({"n": n}))
            })
            .to_event(),
        (0..10)
            .fold(KinesisBatch::new("clicks"), |batch, n| {
                batch.record("key", &json!({"n": n}))
            })
            .to_event(),
        (0..10)
            .fold(DynamoDbStreamBatch::new("orders", &["id"]), |batch, n| {
                batch.insert(&json!({"id": format!("o-{n}")}))
            })
            .to_event(),
    ];
    let seeds: Vec<Value> = seeds
        .into_iter()
        .chain(batches.iter().cycle().take(40).cloned())
        .collect();

    // Panics in handlers are expected (and caught): keep their messages out of the output.
    std::panic::set_hook(Box::new(|_| {}));
    let started = Arc::new(AtomicU64::new(u64::MAX));
    let done = Arc::new(AtomicBool::new(false));
    let clock = Instant::now();
    let watchdog = {
        let (started, done) = (Arc::clone(&started), Arc::clone(&done));
        std::thread::spawn(move || {
            while !done.load(Ordering::SeqCst) {
                let since = started.load(Ordering::SeqCst);
                if since != u64::MAX && clock.elapsed().as_millis() as u64 > since + 10_000 {
                    eprintln!("a case ran over 10 s: a hang (seed {seed})");
                    std::process::exit(1);
                }
                std::thread::sleep(Duration::from_millis(50));
            }
        })
    };

    let finished = Finished::default();
    let function = function(&finished);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let mut rng = Rng(seed);
    let mut refused = 0;
    for case in 0..cases {
        let mut event = rng.pick(&seeds).clone();
        for _ in 0..=rng.below(3) {
            mutate(&mut rng, &mut event, &seeds);
        }
        let mut bytes = serde_json::to_vec(&event).unwrap();
        if rng.chance(10) {
            mutate_bytes(&mut rng, &mut bytes);
        }
        started.store(clock.elapsed().as_millis() as u64, Ordering::SeqCst);
        let call = std::panic::AssertUnwindSafe(function.call(bytes.clone().into(), Context::default()));
        let answer = match runtime.block_on(futures_util::FutureExt::catch_unwind(call)) {
            Ok(answer) => answer,
            Err(_) => panic!(
                "case {case} (seed {seed}): a panic escaped Function::call: {}",
                String::from_utf8_lossy(&bytes)
            ),
        };
        refused += usize::from(answer.is_err());
        if let Some(why) = violation(&bytes, &answer, &finished.take()) {
            let _ = std::panic::take_hook();
            panic!(
                "case {case} (seed {seed}): {why}\nevent: {}",
                String::from_utf8_lossy(&bytes)
            );
        }
    }
    done.store(true, Ordering::SeqCst);
    watchdog.join().unwrap();
    let _ = std::panic::take_hook();
    let batches = BATCHES.load(Ordering::Relaxed);
    eprintln!("{cases} cases (seed {seed}): {refused} answered with an error, {batches} partial batch responses checked");
    assert!(
        batches > cases / 20,
        "too few batches reached the accounting check: {batches}"
    );
}
