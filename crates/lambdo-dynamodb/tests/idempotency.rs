//! Idempotency against a real DynamoDB API (moto's server): once per key under
//! concurrency, stored results, released claims, expired claims, reused keys, and per
//! record in SQS batches.

mod common;

use std::{
    collections::HashSet,
    sync::{
        atomic::{AtomicUsize, Ordering},
        Arc, Mutex,
    },
    time::{Duration, SystemTime, UNIX_EPOCH},
};

use common::{client_of, create_table_keyed, endpoint};
use lambdo::{
    batch::BatchOptions, http::Problem, sqs::Message, App, BoxError, Context, FunctionError, State,
};
use lambdo_dynamodb::{Idempotency, IdempotencyError, IdempotencyKey};
use lambdo_testing::{batch_failures, CapturedLogs, SqsBatch, TestClient};
use serde::{Deserialize, Serialize};
use serde_json::Value;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Charge {
    order_id: String,
    cents: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Receipt {
    charge_number: usize,
}

async fn store() -> Idempotency {
    let client = client_of(&endpoint());
    let table = create_table_keyed(&client, "idempotency", "id", false).await;
    Idempotency::new(&client, table)
}

fn context_for(remaining: Duration) -> Context {
    let mut context = Context::default();
    let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap();
    context.deadline = (now + remaining).as_millis() as u64;
    context
}

fn charge(cents: u64) -> Charge {
    Charge {
        order_id: "o-1".into(),
        cents,
    }
}

#[tokio::test]
async fn fifty_concurrent_repeats_run_the_work_once() {
    let store = store().await;
    let runs = Arc::new(AtomicUsize::new(0));
    let callers = (0..50).map(|_| {
        let (store, runs) = (store.clone(), Arc::clone(&runs));
        tokio::spawn(async move {
            let context = context_for(Duration::from_secs(30));
            store
                .run(&context, "order-o-1", &charge(500), || async {
                    let number = runs.fetch_add(1, Ordering::SeqCst) + 1;
                    tokio::time::sleep(Duration::from_millis(300)).await;
                    Ok::<_, std::io::Error>(Receipt {
                        charge_number: number,
                    })
                })
                .await
        })
    });
    let outcomes = futures_util::future::join_all(callers).await;
    assert_eq!(runs.load(Ordering::SeqCst), 1, "the work ran exactly once");
    let mut completed = 0;
    for outcome in outcomes {
        match outcome.unwrap() {
            Ok(receipt) => {
                assert_eq!(receipt, Receipt { charge_number: 1 });
                completed += 1;
            }
            Err(IdempotencyError::InProgress) => {}
            Err(other) => panic!("unexpected {other}"),
        }
    }
    assert!(completed >= 1);

    // Later repeats get the stored result without running anything.
    let again = store
        .run(
            &context_for(Duration::from_secs(30)),
            "order-o-1",
            &charge(500),
            || async { Ok::<_, std::io::Error>(Receipt { charge_number: 99 }) },
        )
        .await
        .unwrap();
    assert_eq!(again, Receipt { charge_number: 1 });
    assert_eq!(runs.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn a_reused_key_with_another_payload_is_refused() {
    let store = store().await;
    let context = context_for(Duration::from_secs(30));
    let first: u32 = store
        .run(&context, "k", &charge(500), || async {
            Ok::<_, std::io::Error>(1)
        })
        .await
        .unwrap();
    assert_eq!(first, 1);
    let error = store
        .run(&context, "k", &charge(501), || async {
            Ok::<_, std::io::Error>(2_u32)
        })
        .await
        .unwrap_err();
    assert!(matches!(error, IdempotencyError::PayloadMismatch), "{error}");
    assert_eq!(Problem::from(error).status(), 422);
}

#[tokio::test]
async fn failed_work_releases_its_claim_for_a_retry() {
    let store = store().await;
    let context = context_for(Duration::from_secs(30));
    let error = store
        .run(&context, "retry-me", &charge(1), || async {
            Err::<u32, _>(std::io::Error::other("the card network timed out"))
        })
        .await
        .unwrap_err();
    assert!(matches!(error, IdempotencyError::Work(_)));
    let retried: u32 = store
        .run(&context, "retry-me", &charge(1), || async {
            Ok::<_, std::io::Error>(7)
        })
        .await
        .unwrap();
    assert_eq!(retried, 7);
}

#[tokio::test]
async fn an_expired_claim_is_taken_over_and_a_live_one_is_in_progress() {
    let store = store().await;
    // An invocation with 2 s left claims the key and dies before finishing (its future
    // is dropped after 800 ms, long after the claim).
    let (short, payload) = (context_for(Duration::from_millis(2000)), charge(1));
    let crashed = store.run(&short, "crash", &payload, || async {
        tokio::time::sleep(Duration::from_secs(60)).await;
        Ok::<_, std::io::Error>(0_u32)
    });
    assert!(tokio::time::timeout(Duration::from_millis(800), crashed)
        .await
        .is_err());

    // While its deadline has not passed, repeats are told it is in progress (409)…
    let error = store
        .run(
            &context_for(Duration::from_secs(30)),
            "crash",
            &charge(1),
            || async { Ok::<_, std::io::Error>(1_u32) },
        )
        .await
        .unwrap_err();
    assert!(matches!(error, IdempotencyError::InProgress), "{error}");
    assert_eq!(Problem::from(error).status(), 409);

    // …and once it has, a retry takes the key over.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let taken_over = store
        .run(
            &context_for(Duration::from_secs(30)),
            "crash",
            &charge(1),
            || async { Ok::<_, std::io::Error>(2_u32) },
        )
        .await
        .unwrap();
    assert_eq!(taken_over, 2);
}

/// A payment worker: charges each order once, whichever message (or redelivery) brings it.
#[derive(Clone)]
struct Payments {
    idempotency: Idempotency,
    /// Orders charged, in charge order.
    charged: Arc<Mutex<Vec<String>>>,
    /// Orders whose next charge attempt fails (once).
    declines_once: Arc<Mutex<HashSet<String>>>,
}

async fn on_charge(
    State(payments): State<Payments>,
    context: Context,
    message: Message<Charge>,
) -> Result<(), FunctionError> {
    // Keyed by the order, not the message: a producer that sent the order twice gets
    // one charge too.
    let key = IdempotencyKey::from_fields("charge", &message.body, &["/order_id"])?;
    let receipt: Receipt = payments
        .idempotency
        .run(&context, &key, &message.body, || async {
            let order = &message.body.order_id;
            if payments.declines_once.lock().unwrap().remove(order) {
                return Err::<_, BoxError>(format!("the card network declined {order}").into());
            }
            // Long enough for a duplicate in the same batch to find the claim held.
            tokio::time::sleep(Duration::from_millis(200)).await;
            let mut charged = payments.charged.lock().unwrap();
            charged.push(order.clone());
            Ok(Receipt {
                charge_number: charged.len(),
            })
        })
        .await?;
    tracing::info!(receipt.charge_number, "charged");
    Ok(())
}

/// The records of `event` whose message ids are in `ids`: what SQS redelivers.
fn redelivery(event: &Value, ids: &[String]) -> Value {
    let records: Vec<&Value> = event["Records"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|record| ids.iter().any(|id| record["messageId"] == id.as_str()))
        .collect();
    serde_json::json!({ "Records": records })
}

#[tokio::test]
async fn batch_records_are_processed_once_per_key_across_redeliveries() {
    let payments = Payments {
        idempotency: store().await,
        charged: Arc::default(),
        declines_once: Arc::new(Mutex::new(HashSet::from(["o-2".to_owned()]))),
    };
    let options = BatchOptions::new().concurrency(4);
    let client = TestClient::new(
        App::new(payments.clone())
            .sqs_with(options, on_charge)
            .into_function(),
    );

    // o-1 was sent twice by its producer (two message ids, one order); o-2 is declined once.
    let order = |id: &str| Charge {
        order_id: id.to_owned(),
        cents: 500,
    };
    let batch = SqsBatch::standard("payments")
        .message(&order("o-1"))
        .message(&order("o-2"))
        .message(&order("o-1"))
        .message(&order("o-3"));
    let ids = batch.message_ids();
    let event = batch.to_event();

    let first = client.invoke(&event).await.unwrap();
    let failed = batch_failures(&first);
    // o-2 failed. The two o-1 messages ran side by side: one charged, and the other
    // found the claim held (so it failed and comes back later) — unless it was slow
    // enough to find the stored receipt.
    assert!(failed.contains(&ids[1]), "{first}");
    let o1_failures = failed
        .iter()
        .filter(|id| **id == ids[0] || **id == ids[2])
        .count();
    assert!(o1_failures <= 1 && failed.len() == 1 + o1_failures, "{first}");
    assert_eq!(sorted(&payments.charged), ["o-1", "o-3"]);

    // SQS redelivers the failed records: o-2 is charged now, the o-1 duplicate gets the
    // stored receipt without a second charge.
    let second = client.invoke(redelivery(&event, &failed)).await.unwrap();
    assert_eq!(batch_failures(&second), Vec::<String>::new(), "{second}");
    assert_eq!(sorted(&payments.charged), ["o-1", "o-2", "o-3"]);

    // At-least-once delivery sends the whole batch again: nothing is charged twice.
    let third = client.invoke(&event).await.unwrap();
    assert_eq!(batch_failures(&third), Vec::<String>::new(), "{third}");
    assert_eq!(sorted(&payments.charged), ["o-1", "o-2", "o-3"]);

    // The same order id with another amount is a different request under a reused key:
    // that record fails alone, and the log says why.
    let (logs, _guard) = CapturedLogs::install();
    let changed = SqsBatch::standard("payments")
        .message(&Charge {
            order_id: "o-3".into(),
            cents: 900,
        })
        .message(&order("o-4"));
    let response = client.invoke(changed.to_event()).await.unwrap();
    assert_eq!(batch_failures(&response), [changed.message_ids()[0].clone()]);
    assert_eq!(sorted(&payments.charged), ["o-1", "o-2", "o-3", "o-4"]);
    let failures = logs.record_failures();
    assert_eq!(failures.len(), 1, "{failures:?}");
    assert_eq!(failures[0]["error_type"], "Idempotency.PayloadMismatch");
}

fn sorted(charged: &Mutex<Vec<String>>) -> Vec<String> {
    let mut charged = charged.lock().unwrap().clone();
    charged.sort();
    charged
}
