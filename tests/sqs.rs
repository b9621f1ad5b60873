//! SQS batches in-process: decoding, partial batch failures, FIFO order, concurrency,
//! the deadline guard, whole-batch failure, and the property that no record is lost.

use std::{
    collections::HashMap,
    sync::{
        atomic::{AtomicUsize, Ordering},
        Arc,
    },
    time::{Duration, SystemTime, UNIX_EPOCH},
};

use lambdo::{
    batch::BatchOptions,
    sqs::{Message, SqsRecord},
    App, Context, State,
};
use lambdo_testing::{fixtures, SqsBatch, TestClient};
use lambdo_tests::{failures, CapturedLogs, Seen};
use proptest::prelude::*;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
struct Order {
    order_id: String,
    quantity: u32,
}

/// Fails orders of quantity 0 and panics on quantity 13.
async fn on_order(State(seen): State<Seen>, message: Message<Order>) -> Result<(), lambdo::BoxError> {
    seen.push(message.body.order_id.clone());
    match message.body.quantity {
        0 => Err(format!("order {} has no quantity", message.body.order_id).into()),
        13 => panic!("unlucky order {}", message.body.order_id),
        _ => Ok(()),
    }
}

fn order(id: &str, quantity: u32) -> Order {
    Order {
        order_id: id.into(),
        quantity,
    }
}

#[tokio::test]
async fn the_fixture_decodes_with_ids_attributes_and_the_full_record() {
    let seen = Seen::default();
    async fn inspect(State(seen): State<Seen>, message: Message<Order>) -> Result<(), lambdo::BoxError> {
        let full = message.to_aws()?;
        let tenant = message
            .message_attributes()
            .get("tenant")
            .and_then(|a| a.string_value.clone());
        seen.push(format!(
            "{} {} {} receive={} tenant={} full={} queue={}",
            message.message_id(),
            message.body.order_id,
            message.body.quantity,
            message.attribute("ApproximateReceiveCount").unwrap_or_default(),
            tenant.unwrap_or_default(),
            full.receipt_handle.unwrap_or_default(),
            message.queue_arn(),
        ));
        Ok(())
    }
    let client = TestClient::new(App::new(seen.clone()).sqs(inspect).into_function());
    let response = client.invoke_raw(fixtures::SQS_STANDARD).await.unwrap();
    assert_eq!(response, json!({"batchItemFailures": []}));
    assert_eq!(
        seen.all(),
        [
            "059f36b4-87a3-44ab-83d2-661975830a7d o-1001 2 receive=1 tenant=acme \
             full=AQEBwJnKyrHigUMZj6rYigCgxlaS3SLy0a... queue=arn:aws:sqs:us-east-2:123456789012:orders",
            "2e1424d4-f796-459a-8184-9c92662be6da o-1002 1 receive=1 tenant= \
             full=AQEBzWwaftRI0KuVm4tP+/7q1rGgNqicHq... queue=arn:aws:sqs:us-east-2:123456789012:orders",
        ]
    );
}

#[tokio::test]
async fn errors_decode_failures_and_panics_fail_their_record_alone() {
    let (logs, _guard) = CapturedLogs::install();
    let seen = Seen::default();
    let batch = SqsBatch::standard("orders")
        .message(&order("ok-1", 1))
        .message(&order("error", 0))
        .message(&json!({"orderId": "bad", "quantity": "many"}))
        .message(&order("panic", 13))
        .text("not json at all")
        .message(&order("ok-2", 2));
    let ids = batch.message_ids();
    let client = TestClient::new(App::new(seen.clone()).sqs(on_order).into_function());
    let response = client.invoke(batch.to_event()).await.unwrap();
    assert_eq!(failures(&response), ids[1..5]);
    assert_eq!(
        seen.all(),
        ["ok-1", "error", "panic", "ok-2"],
        "undecodable bodies never reach the handler"
    );

    // One log line per failed record, carrying its id; a decode error names the path.
    let lines = logs.lines();
    let failed: HashMap<String, &Value> = lines
        .iter()
        .filter(|line| line["message"] == "the record failed")
        .map(|line| (line["item_identifier"].as_str().unwrap().to_owned(), line))
        .collect();
    assert_eq!(failed.len(), 4, "{lines:#?}");
    assert_eq!(failed[&ids[1]]["error_type"], "Lambdo.HandlerError");
    assert_eq!(failed[&ids[1]]["correlation_id"], ids[1].as_str());
    assert_eq!(failed[&ids[2]]["error_type"], "Lambdo.EventDecode");
    assert!(
        failed[&ids[2]]["error"]
            .as_str()
            .unwrap()
            .contains("at `quantity`"),
        "{lines:#?}"
    );
    assert_eq!(failed[&ids[3]]["error_type"], "Lambdo.HandlerPanic");
    assert!(failed[&ids[3]]["error"]
        .as_str()
        .unwrap()
        .contains("unlucky order panic"));
    assert_eq!(failed[&ids[4]]["error_type"], "Lambdo.InvalidEvent");
}

#[tokio::test]
async fn fifo_failures_fail_the_rest_of_their_group() {
    let seen = Seen::default();
    // customer-1: o-2001 then o-2003; customer-2: o-2002. Fail the first of customer-1.
    async fn fail_first(State(seen): State<Seen>, message: Message<Order>) -> Result<(), lambdo::BoxError> {
        seen.push(format!(
            "{}:{}",
            message.message_group_id().unwrap(),
            message.body.order_id
        ));
        if message.body.order_id == "o-2001" {
            return Err("rejected".into());
        }
        Ok(())
    }
    let client = TestClient::new(App::new(seen.clone()).sqs(fail_first).into_function());
    let response = client.invoke_raw(fixtures::SQS_FIFO).await.unwrap();
    assert_eq!(
        failures(&response),
        [
            "11d6ee51-4cc7-4302-9e22-7cd8afdaadf5",
            "3c9d1f7a-5e2b-4c8d-a1f0-9b8e7d6c5b4a"
        ]
    );
    assert_eq!(seen.all(), ["customer-1:o-2001", "customer-2:o-2002"]);

    // Stopping the whole batch fails customer-2's message too.
    let seen = Seen::default();
    let app = App::new(seen.clone()).sqs_with(BatchOptions::new().fifo_stop_batch(true), fail_first);
    let response = TestClient::new(app.into_function())
        .invoke_raw(fixtures::SQS_FIFO)
        .await;
    // Every record failed: the invocation fails so the queue backs off.
    assert_eq!(response.unwrap_err().error_type, "Lambdo.BatchFailed");
    assert_eq!(seen.all(), ["customer-1:o-2001"]);
}

#[tokio::test]
async fn standard_queues_run_records_concurrently_up_to_the_limit() {
    #[derive(Clone, Default)]
    struct Flight {
        now: Arc<AtomicUsize>,
        max: Arc<AtomicUsize>,
    }
    async fn slow(State(flight): State<Flight>, _message: SqsRecord) {
        let now = flight.now.fetch_add(1, Ordering::SeqCst) + 1;
        flight.max.fetch_max(now, Ordering::SeqCst);
        tokio::time::sleep(Duration::from_millis(20)).await;
        flight.now.fetch_sub(1, Ordering::SeqCst);
    }
    let batch = (0..12).fold(SqsBatch::standard("orders"), |batch, n| batch.message(&n));
    let flight = Flight::default();
    let app = App::new(flight.clone()).sqs_with(BatchOptions::new().concurrency(4), slow);
    let response = TestClient::new(app.into_function())
        .invoke(batch.to_event())
        .await
        .unwrap();
    assert!(failures(&response).is_empty());
    assert_eq!(flight.max.load(Ordering::SeqCst), 4);
}

fn context_with_deadline_in(remaining: Duration) -> Context {
    let mut context = Context::default();
    context.request_id = "deadline-test".into();
    let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap();
    context.deadline = (now + remaining).as_millis() as u64;
    context
}

#[tokio::test]
async fn the_deadline_guard_starts_no_record_too_close_to_the_deadline() {
    async fn slow(State(seen): State<Seen>, message: SqsRecord) {
        seen.push(message.message_id().to_owned());
        tokio::time::sleep(Duration::from_millis(150)).await;
    }
    let batch = (0..10).fold(SqsBatch::fifo("orders"), |batch, n| {
        batch.grouped(&format!("g{n}"), &n)
    });
    let ids = batch.message_ids();
    let seen = Seen::default();
    let options = BatchOptions::new().deadline_margin(Duration::from_millis(1000));
    let client = TestClient::new(App::new(seen.clone()).sqs_with(options, slow).into_function());
    let event = serde_json::to_vec(&batch.to_event()).unwrap();
    // 1.4 s left, 1 s margin, 150 ms per record: two or three records start.
    let response = client
        .invoke_in(
            context_with_deadline_in(Duration::from_millis(1400)),
            event.clone(),
        )
        .await
        .unwrap();
    let started = seen.all();
    assert!((1..=3).contains(&started.len()), "{started:?}");
    assert_eq!(started, ids[..started.len()], "records start in order");
    assert_eq!(
        failures(&response),
        ids[started.len()..],
        "every record not started is failed"
    );

    // Already inside the margin: nothing starts, and the whole batch fails…
    let late = client
        .invoke_in(
            context_with_deadline_in(Duration::from_millis(500)),
            event.clone(),
        )
        .await;
    assert_eq!(late.unwrap_err().error_type, "Lambdo.BatchFailed");
    // …or, when asked, every record is listed.
    let options = BatchOptions::new().fail_whole_batch(false);
    let client = TestClient::new(App::new(Seen::default()).sqs_with(options, slow).into_function());
    let listed = client
        .invoke_in(context_with_deadline_in(Duration::from_millis(500)), event)
        .await
        .unwrap();
    assert_eq!(failures(&listed), ids);
}

#[tokio::test]
async fn batches_no_registered_source_takes_are_named() {
    let client = TestClient::new(App::new(Seen::default()).sqs(on_order).into_function());
    let s3 = json!({"Records": [{"eventSource": "aws:s3", "s3": {}}]});
    let error = client.invoke(&s3).await.unwrap_err();
    assert_eq!(error.error_type, "Lambdo.UnsupportedEvent");
    assert!(
        error.error_message.contains("a batch of 1 `aws:s3` records"),
        "{}",
        error.error_message
    );
    assert!(
        error.error_message.contains("the app handles sqs"),
        "{}",
        error.error_message
    );

    async fn hello() -> &'static str {
        "hello"
    }
    let http_only = App::new(()).http(axum::Router::new().route("/", axum::routing::get(hello)));
    let client = TestClient::new(http_only.into_function());
    let error = client.invoke_raw(fixtures::SQS_STANDARD).await.unwrap_err();
    assert!(
        error.error_message.contains("a batch of 2 `aws:sqs` records"),
        "{}",
        error.error_message
    );

    // An empty batch has nothing to fail.
    let client = TestClient::new(App::new(Seen::default()).sqs(on_order).into_function());
    let empty = SqsBatch::standard("orders").to_event();
    let error = client.invoke(&empty).await.unwrap_err();
    assert!(
        error.error_message.contains("an empty batch of records"),
        "{}",
        error.error_message
    );
}

/// What the property test's handler does with one message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
enum Act {
    Succeed,
    Fail,
    Panic,
}

/// One generated record: its group and what happens to it (`None`: the body does not
/// decode).
type Planned = (u8, Option<Act>);

#[derive(Debug, Serialize, Deserialize)]
struct Step {
    n: usize,
    act: Act,
}

async fn act(State(seen): State<Seen>, message: Message<Step>) -> Result<(), lambdo::BoxError> {
    match message.body.act {
        Act::Succeed => {
            seen.push(format!("ok {}", message.body.n));
            Ok(())
        }
        Act::Fail => Err("planned failure".into()),
        Act::Panic => panic!("planned panic"),
    }
}

fn run_batch(plan: &[Planned], fifo: bool, concurrency: usize) -> (Vec<String>, Result<Value, String>) {
    let batch = plan.iter().enumerate().fold(
        if fifo {
            SqsBatch::fifo("p")
        } else {
            SqsBatch::standard("p")
        },
        |batch, (n, (group, act))| {
            let body = match act {
                Some(act) => json!({"n": n, "act": act}),
                None => json!({"n": "not a number"}),
            };
            batch.grouped(&format!("g{group}"), &body)
        },
    );
    let seen = Seen::default();
    let options = BatchOptions::new()
        .concurrency(concurrency)
        .fail_whole_batch(false);
    let client = TestClient::new(App::new(seen.clone()).sqs_with(options, act).into_function());
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let response = runtime.block_on(client.invoke(batch.to_event()));
    (
        seen.all(),
        response.map_err(|diagnostic| diagnostic.error_message),
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(96))]

    #[test]
    fn every_record_is_exactly_once_succeeded_or_failed(
        plan in prop::collection::vec(
            (0u8..3, prop_oneof![
                6 => Just(Some(Act::Succeed)),
                2 => Just(Some(Act::Fail)),
                1 => Just(Some(Act::Panic)),
                1 => Just(None),
            ]),
            0..25,
        ),
        fifo in any::<bool>(),
        concurrency in 1usize..5,
    ) {
        let (succeeded, response) = run_batch(&plan, fifo, concurrency);
        if plan.is_empty() {
            prop_assert!(response.is_err(), "an empty batch is no batch");
            return Ok(());
        }
        let response = response.unwrap();
        let ids: Vec<String> = (1..=plan.len()).map(|n| format!("00000000-0000-4000-a000-{n:012}")).collect();
        let failed = failures(&response);
        let succeeded_ids: Vec<&String> = succeeded
            .iter()
            .map(|entry| &ids[entry.strip_prefix("ok ").unwrap().parse::<usize>().unwrap()])
            .collect();

        // A partition: each record once, in exactly one of the two lists.
        let mut all: Vec<&String> = failed.iter().chain(succeeded_ids.iter().copied()).collect();
        all.sort();
        let mut expected: Vec<&String> = ids.iter().collect();
        expected.sort();
        prop_assert_eq!(all, expected);

        // Only records planned to succeed can have succeeded.
        for entry in &succeeded {
            let n: usize = entry.strip_prefix("ok ").unwrap().parse().unwrap();
            prop_assert_eq!(plan[n].1, Some(Act::Succeed));
        }

        if fifo {
            // In order within each group, and nothing after a group's failure succeeded.
            let order: Vec<usize> = succeeded.iter().map(|e| e.strip_prefix("ok ").unwrap().parse().unwrap()).collect();
            prop_assert!(order.windows(2).all(|w| w[0] < w[1]), "FIFO order kept: {:?}", order);
            for (n, (group, act)) in plan.iter().enumerate() {
                let failed_before = plan[..n].iter().any(|(g, a)| g == group && *a != Some(Act::Succeed));
                let did_succeed = order.contains(&n);
                prop_assert_eq!(did_succeed, !failed_before && *act == Some(Act::Succeed), "record {}", n);
            }
        } else {
            // Standard queues: exactly the records planned to succeed did.
            let planned = plan.iter().filter(|(_, act)| *act == Some(Act::Succeed)).count();
            prop_assert_eq!(succeeded.len(), planned);
        }
    }
}
