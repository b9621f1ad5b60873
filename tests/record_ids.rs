//! A batch record's lines carry its identifier as `correlation_id` with or without a
//! span per record: [`JsonLogLayer::without_record_spans`] (what lambdo installs in
//! Lambda) opens none, for every layer of the subscriber, and lines still name their
//! own record while records run concurrently.
//!
//! One test in its own process: it sets thread-local subscribers one after the other,
//! and no other thread meets these log statements meanwhile.

use std::sync::{
    atomic::{AtomicUsize, Ordering},
    Arc,
};

use lambdo::{batch::BatchOptions, logs::JsonLogLayer, sqs::Message, App};
use lambdo_testing::{CapturedLogs, SqsBatch, TestClient};
use serde_json::{json, Value};
use tracing::{span, Subscriber};
use tracing_subscriber::{layer::Context, prelude::*, Layer};

/// Counts the `lambdo.record` spans a subscriber opens.
#[derive(Clone, Default)]
struct RecordSpans(Arc<AtomicUsize>);

impl<S: Subscriber> Layer<S> for RecordSpans {
    fn on_new_span(&self, attrs: &span::Attributes<'_>, _: &span::Id, _: Context<'_, S>) {
        if attrs.metadata().name() == "lambdo.record" {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }
}

/// Logs before and after giving way to the other records of the batch, so their polls
/// interleave.
async fn on_message(message: Message<Value>) -> Result<(), String> {
    let n = message.body["n"].as_u64().unwrap_or_default();
    tracing::info!(n, step = "before", "working");
    tokio::task::yield_now().await;
    tracing::info!(n, step = "after", "working");
    if n == 3 {
        return Err(format!("order {n} refused"));
    }
    Ok(())
}

/// The records' lines, with how many record spans were opened, under lambdo's JSON
/// layer with or without record spans.
async fn run_batch(batch: &Value, record_spans: bool) -> (Vec<Value>, usize) {
    let captured = CapturedLogs::default();
    let writer = captured.clone();
    let layer = JsonLogLayer::new(move || writer.clone());
    let layer = if record_spans {
        layer
    } else {
        layer.without_record_spans()
    };
    let spans = RecordSpans::default();
    let subscriber = tracing_subscriber::registry().with(spans.clone()).with(layer);
    let guard = tracing::subscriber::set_default(subscriber);
    let app = App::new(()).sqs_with(BatchOptions::new().concurrency(4), on_message);
    let response = TestClient::new(app.into_function())
        .invoke(batch)
        .await
        .expect("a batch response");
    drop(guard);
    assert_eq!(response["batchItemFailures"].as_array().map(Vec::len), Some(1));
    (captured.lines(), spans.0.load(Ordering::SeqCst))
}

#[tokio::test]
async fn record_lines_name_their_record_with_or_without_spans() {
    let batch = (1..=4).fold(SqsBatch::standard("orders"), |batch, n| {
        batch.message(&json!({"n": n}))
    });
    let ids = batch.message_ids();
    let event = batch.to_event();

    for (record_spans, expected_spans) in [(true, 4), (false, 0)] {
        let (lines, opened) = run_batch(&event, record_spans).await;
        assert_eq!(opened, expected_spans, "record spans: {record_spans}");

        // Each record's two lines, and the failure line of the third, name it.
        for (n, id) in (1..=4).zip(&ids) {
            let own: Vec<&Value> = lines.iter().filter(|line| line["n"] == n).collect();
            assert_eq!(own.len(), 2, "{lines:#?}");
            assert!(
                own.iter().all(|line| line["correlation_id"] == id.as_str()),
                "{own:#?}"
            );
        }
        let failed: Vec<&Value> = lines
            .iter()
            .filter(|line| line["message"] == "the record failed")
            .collect();
        assert_eq!(failed.len(), 1);
        assert_eq!(failed[0]["correlation_id"], ids[2].as_str());
        // The records ran interleaved: a record's second line is not right after its first.
        let steps: Vec<&Value> = lines.iter().map(|line| &line["step"]).collect();
        assert_eq!(steps[..2], [&json!("before"), &json!("before")], "{lines:#?}");
    }

    // Outside a record, no record id.
    let captured = CapturedLogs::default();
    let writer = captured.clone();
    let layer = JsonLogLayer::new(move || writer.clone()).without_record_spans();
    tracing::subscriber::with_default(tracing_subscriber::registry().with(layer), || {
        tracing::info!("between batches");
    });
    assert!(captured.lines()[0].get("correlation_id").is_none());
}
