//! Idempotency against a real DynamoDB API (moto's server): once per key under
//! concurrency, stored results, released claims, expired claims, reused keys.

mod common;

use std::{
    sync::{
        atomic::{AtomicUsize, Ordering},
        Arc,
    },
    time::{Duration, SystemTime, UNIX_EPOCH},
};

use common::{client_of, create_table_keyed, endpoint};
use lambdo::{http::Problem, Context};
use lambdo_dynamodb::{Idempotency, IdempotencyError};
use serde::{Deserialize, Serialize};

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
