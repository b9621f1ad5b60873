//! Generated events: JSON objects that use the key names the sources read, with values
//! of any type at any level, are never refused and reach the invoke handler unchanged
//! when no source takes them; generated batches with malformed records keep the batch
//! contract.

use lambdo::{batch::BatchOptions, kinesis::KinesisRecord, sqs::SqsRecord, App, InvokePayload, State};
use lambdo_testing::{KinesisBatch, SqsBatch, TestClient};
use lambdo_tests::{failures, Seen, SOURCE_KEYS};
use proptest::prelude::*;
use serde_json::{json, Value};

/// Strings that make a source's shape more likely: source names, versions, methods.
const TEXTS: &[&str] = &[
    "aws:sqs",
    "aws:kinesis",
    "aws:dynamodb",
    "aws:sns",
    "aws:s3",
    "2.0",
    "1.0",
    "GET",
    "POST",
    "Scheduled Event",
    "aws.events",
    "aws.scheduler",
    "/",
    "/a b",
    "x",
    "",
    "INSERT",
    "MODIFY",
    "REMOVE",
    "REQUEST",
    "TOKEN",
    "arn:aws:sqs:eu-central-1:1:q.fifo",
    "eA==",
    "é\u{0}\"\\",
];

/// JSON text of a value whose objects use [`SOURCE_KEYS`] (a key may come twice, as JSON
/// allows).
fn json_text() -> impl Strategy<Value = String> {
    let scalar = prop_oneof![
        Just("null".to_owned()),
        any::<bool>().prop_map(|b| b.to_string()),
        any::<i64>().prop_map(|n| n.to_string()),
        any::<f64>()
            .prop_filter("finite", |n| n.is_finite())
            .prop_map(|n| json!(n).to_string()),
        prop::sample::select(TEXTS).prop_map(|text| json!(text).to_string()),
        "[a-z]{0,4}".prop_map(|text| json!(text).to_string()),
    ];
    scalar.prop_recursive(5, 64, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(|items| format!("[{}]", items.join(","))),
            prop::collection::vec((prop::sample::select(SOURCE_KEYS), inner), 0..6).prop_map(|entries| {
                let entries: Vec<String> = entries
                    .into_iter()
                    .map(|(key, value)| format!("{}:{value}", json!(key)))
                    .collect();
                format!("{{{}}}", entries.join(","))
            }),
        ]
    })
}

/// An object at the top, as events are.
fn event_text() -> impl Strategy<Value = String> {
    prop::collection::vec((prop::sample::select(SOURCE_KEYS), json_text()), 0..8).prop_map(|entries| {
        let entries: Vec<String> = entries
            .into_iter()
            .map(|(key, value)| format!("{}:{value}", json!(key)))
            .collect();
        format!("{{{}}}", entries.join(","))
    })
}

async fn took(State(seen): State<Seen>) -> &'static str {
    seen.push("http".into());
    "http"
}

async fn record_taken(State(seen): State<Seen>) {
    seen.push("source".into());
}

async fn invoked(State(seen): State<Seen>, payload: InvokePayload) -> Result<Value, lambdo::BoxError> {
    seen.push(format!(
        "invoke {}",
        String::from_utf8(payload.as_bytes().to_vec())?
    ));
    Ok(Value::Null)
}

fn block_on<F: std::future::Future>(future: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(future)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn objects_of_known_keys_are_never_refused_and_reach_invoke_unchanged(event in event_text()) {
        let seen = Seen::default();
        let router = axum::Router::new().route("/{*path}", axum::routing::any(took)).route("/", axum::routing::any(took));
        let app = App::new(seen.clone())
            .http(router)
            .sqs(|state: State<Seen>, _: SqsRecord| record_taken(state))
            .kinesis(|state: State<Seen>, _: KinesisRecord| record_taken(state))
            .dynamodb_stream(|state: State<Seen>, _: lambdo::dynamodb::DynamoDbRecord| record_taken(state))
            .sns(|state: State<Seen>, _: lambdo::sns::SnsRecord| record_taken(state))
            .s3(|state: State<Seen>, _: lambdo::s3::ObjectEvent| record_taken(state))
            .schedule(|state: State<Seen>, _: lambdo::eventbridge::Scheduled| record_taken(state))
            .invoke(invoked);
        let client = TestClient::new(app.into_function());
        let answer = block_on(client.invoke_raw(event.clone()));
        if let Err(error) = &answer {
            prop_assert_ne!(error.error_type.as_str(), "Lambdo.InvalidEvent", "{}: {}", event, error.error_message);
        }
        for entry in seen.all() {
            if let Some(invoked) = entry.strip_prefix("invoke ") {
                prop_assert_eq!(invoked, event.as_str());
            }
        }
    }
}

/// One generated SQS record: how it is spoilt, and whether its handler fails.
#[derive(Debug, Clone)]
enum Spoilt {
    No {
        fail: bool,
    },
    /// A field of the record replaced by a value of another type.
    Field(&'static str, Value),
    /// No readable `messageId`.
    Unidentified(Value),
}

fn spoilt() -> impl Strategy<Value = Spoilt> {
    let other_value = prop_oneof![
        Just(json!(5)),
        Just(json!(true)),
        Just(json!([1, "a"])),
        Just(json!({"a": {"b": null}})),
    ];
    prop_oneof![
        6 => any::<bool>().prop_map(|fail| Spoilt::No { fail }),
        3 => (prop::sample::select(&["body", "receiptHandle", "awsRegion", "eventSourceARN", "md5OfBody"][..]), other_value.clone())
            .prop_map(|(field, value)| Spoilt::Field(field, value)),
        1 => prop_oneof![other_value, Just(Value::Null)].prop_map(Spoilt::Unidentified),
    ]
}

async fn on_message(State(seen): State<Seen>, record: SqsRecord) -> Result<(), lambdo::BoxError> {
    if record.body() == "fail" {
        return Err("planned failure".into());
    }
    seen.push(record.message_id().to_owned());
    Ok(())
}

async fn on_record(State(seen): State<Seen>, record: KinesisRecord) -> Result<(), lambdo::BoxError> {
    if record.data()? == b"\"fail\"" {
        return Err("planned failure".into());
    }
    seen.push(record.sequence_number().to_owned());
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn malformed_records_fail_alone_and_only_unidentified_ones_fail_the_batch(
        plan in prop::collection::vec(spoilt(), 1..12),
        concurrency in 1usize..4,
    ) {
        let batch = plan.iter().fold(SqsBatch::standard("p"), |batch, spoilt| match spoilt {
            Spoilt::No { fail: true } => batch.text("fail"),
            _ => batch.text("ok"),
        });
        let ids = batch.message_ids();
        let mut event = batch.to_event();
        for (index, spoilt) in plan.iter().enumerate() {
            match spoilt {
                Spoilt::No { .. } => {}
                Spoilt::Field(field, value) => event["Records"][index][*field] = value.clone(),
                Spoilt::Unidentified(value) => event["Records"][index]["messageId"] = value.clone(),
            }
        }
        let seen = Seen::default();
        let options = BatchOptions::new().concurrency(concurrency).fail_whole_batch(false);
        let client = TestClient::new(App::new(seen.clone()).sqs_with(options, on_message).into_function());
        let answer = block_on(client.invoke(&event));
        if let Some(first) = plan.iter().position(|spoilt| matches!(spoilt, Spoilt::Unidentified(_))) {
            let error = answer.unwrap_err();
            prop_assert_eq!(error.error_type.as_str(), "Lambdo.EventDecode");
            let named = format!("Records[{first}].messageId");
            prop_assert!(error.error_message.contains(&named), "{}", error.error_message);
            prop_assert!(seen.all().is_empty(), "no record of an unanswerable batch ran");
            return Ok(());
        }
        let failed = failures(&answer.unwrap());
        let succeeded = seen.all();
        let mut all: Vec<&String> = failed.iter().chain(&succeeded).collect();
        all.sort();
        let mut expected: Vec<&String> = ids.iter().collect();
        expected.sort();
        prop_assert_eq!(all, expected, "each record once, succeeded or listed failed");
        for (id, spoilt) in ids.iter().zip(&plan) {
            let should_succeed = matches!(spoilt, Spoilt::No { fail: false });
            prop_assert_eq!(succeeded.contains(id), should_succeed, "{} {:?}", id, spoilt);
        }
    }

    #[test]
    fn a_malformed_stream_record_fails_with_every_record_after_it(
        plan in prop::collection::vec((any::<bool>(), prop::option::of(prop_oneof![Just(json!(42)), Just(json!({})), Just(json!(["x"]))])), 1..10),
    ) {
        let batch = plan.iter().fold(KinesisBatch::new("s"), |batch, (fail, _)| {
            batch.record("k", &if *fail { "fail" } else { "ok" })
        });
        let sequence = batch.sequence_numbers();
        let mut event = batch.to_event();
        for (index, (_, spoilt)) in plan.iter().enumerate() {
            if let Some(value) = spoilt {
                event["Records"][index]["kinesis"]["data"] = value.clone();
            }
        }
        let seen = Seen::default();
        let options = BatchOptions::new().fail_whole_batch(false);
        let client = TestClient::new(App::new(seen.clone()).kinesis_with(options, on_record).into_function());
        let failed = failures(&block_on(client.invoke(&event)).unwrap());
        let first_failure = plan.iter().position(|(fail, spoilt)| *fail || spoilt.is_some()).unwrap_or(plan.len());
        prop_assert_eq!(seen.all(), sequence[..first_failure].to_vec());
        prop_assert_eq!(failed, sequence[first_failure..].to_vec());
    }
}
