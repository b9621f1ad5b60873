//! Kinesis and DynamoDB Streams in-process: decoding, sequence numbers, shard order.

use lambdo::{
    dynamodb::{Change, DynamoDbRecord, StreamRecord},
    kinesis::{KinesisRecord, Record},
    App, State,
};
use lambdo_testing::{fixtures, DynamoDbStreamBatch, KinesisBatch, TestClient};
use lambdo_tests::{failures, CapturedLogs, Seen};
use serde::{Deserialize, Serialize};
use serde_json::json;

#[derive(Debug, Deserialize, Serialize)]
struct Click {
    page: String,
    user: u64,
}

fn click(page: &str, user: u64) -> Click {
    Click {
        page: page.into(),
        user,
    }
}

async fn on_click(State(seen): State<Seen>, record: Record<Click>) -> Result<(), lambdo::BoxError> {
    seen.push(format!(
        "{} {} {}",
        record.partition_key(),
        record.data.page,
        record.data.user
    ));
    if record.data.page == "/fail" {
        return Err("this page fails".into());
    }
    Ok(())
}

#[tokio::test]
async fn kinesis_records_decode_from_base64_json() {
    let seen = Seen::default();
    async fn full(State(seen): State<Seen>, record: KinesisRecord) -> Result<(), lambdo::BoxError> {
        let aws = record.to_aws()?;
        seen.push(format!(
            "{} {} {}",
            record.sequence_number(),
            String::from_utf8(record.data()?)?,
            aws.event_id.unwrap_or_default()
        ));
        Ok(())
    }
    let client = TestClient::new(App::new(seen.clone()).kinesis(full).into_function());
    let response = client.invoke_raw(fixtures::KINESIS).await.unwrap();
    assert_eq!(response, json!({"batchItemFailures": []}));
    assert_eq!(
        seen.all()[0],
        "49590338271490256608559692538361571095921575989136588898 {\"page\":\"/home\",\"user\":1} \
         shardId-000000000006:49590338271490256608559692538361571095921575989136588898"
    );

    let seen = Seen::default();
    let client = TestClient::new(App::new(seen.clone()).kinesis(on_click).into_function());
    assert!(failures(&client.invoke_raw(fixtures::KINESIS).await.unwrap()).is_empty());
    assert_eq!(seen.all(), ["1 /home 1", "2 /cart 2"]);
}

#[tokio::test]
async fn a_kinesis_failure_fails_every_later_record_of_the_shard() {
    let (logs, _guard) = CapturedLogs::install();
    let batch = KinesisBatch::new("clicks")
        .record("a", &click("/", 1))
        .bytes("b", b"not json")
        .record("c", &click("/", 3));
    let sequence = batch.sequence_numbers();
    let seen = Seen::default();
    let client = TestClient::new(App::new(seen.clone()).kinesis(on_click).into_function());
    let response = client.invoke(batch.to_event()).await.unwrap();
    assert_eq!(failures(&response), sequence[1..]);
    assert_eq!(seen.all(), ["a / 1"], "nothing after the failure ran");
    let failed = &logs.record_failures()[0];
    assert_eq!(failed["item_identifier"], sequence[1].as_str());
    assert_eq!(failed["error_type"], "Lambdo.InvalidEvent");

    // A handler failure in the middle: the same.
    let batch = KinesisBatch::new("clicks")
        .record("a", &click("/", 1))
        .record("b", &click("/fail", 2))
        .record("c", &click("/", 3));
    let response = client.invoke(batch.to_event()).await.unwrap();
    assert_eq!(failures(&response), batch.sequence_numbers()[1..]);
}

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "PascalCase")]
struct Message {
    id: u64,
    message: String,
}

#[tokio::test]
async fn dynamodb_changes_carry_the_images_their_kind_has() {
    let seen = Seen::default();
    async fn on_change(
        State(seen): State<Seen>,
        record: StreamRecord<Message>,
    ) -> Result<(), lambdo::BoxError> {
        #[derive(Deserialize)]
        struct Key {
            #[serde(rename = "Id")]
            id: u64,
        }
        let key: Key = record.keys()?;
        let entry = match &record.change {
            Change::Insert { new } => format!("insert {} {}", key.id, new.message),
            Change::Modify { old, new } => {
                format!(
                    "modify {} {} -> {}",
                    key.id,
                    old.as_ref().unwrap().message,
                    new.message
                )
            }
            Change::Remove { old } => format!(
                "remove {} {} ttl={}",
                key.id,
                old.as_ref().unwrap().message,
                record.removed_by_ttl()
            ),
        };
        seen.push(entry);
        Ok(())
    }
    let client = TestClient::new(App::new(seen.clone()).dynamodb_stream(on_change).into_function());
    let response = client.invoke_raw(fixtures::DYNAMODB_STREAM).await.unwrap();
    assert_eq!(response, json!({"batchItemFailures": []}));
    assert_eq!(
        seen.all(),
        [
            "insert 101 New item!",
            "modify 101 New item! -> This item has changed",
            "remove 101 This item has changed ttl=true",
        ]
    );
}

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
struct Todo {
    id: String,
    title: String,
    done: bool,
}

fn todo(id: &str, title: &str, done: bool) -> Todo {
    Todo {
        id: id.into(),
        title: title.into(),
        done,
    }
}

#[tokio::test]
async fn images_that_do_not_decode_or_do_not_exist_fail_their_record() {
    let (logs, _guard) = CapturedLogs::install();
    let seen = Seen::default();
    async fn on_todo(State(seen): State<Seen>, change: Change<Todo>) -> Result<(), lambdo::BoxError> {
        seen.push(format!("{change:?}"));
        Ok(())
    }
    let client = TestClient::new(App::new(seen.clone()).dynamodb_stream(on_todo).into_function());

    // `done` is a string in the second record's new image: it fails, and so does the
    // third, which comes after it in the shard.
    let batch = DynamoDbStreamBatch::new("todos", &["id"])
        .insert(&todo("t-1", "a", false))
        .modify(
            &todo("t-1", "a", false),
            &json!({"id": "t-1", "title": "a", "done": "yes"}),
        )
        .remove(&todo("t-1", "a", false));
    let sequence = batch.sequence_numbers();
    let response = client.invoke(batch.to_event()).await.unwrap();
    assert_eq!(failures(&response), sequence[1..]);
    assert_eq!(seen.all().len(), 1);
    let failed = &logs.record_failures()[0];
    assert_eq!(failed["error_type"], "Lambdo.EventDecode");
    assert!(
        failed["error"]
            .as_str()
            .unwrap()
            .contains("dynamodb.NewImage.done"),
        "{failed}"
    );

    // A KEYS_ONLY stream has no images for `Change<T>`: the error says what to change.
    let keys_only = DynamoDbStreamBatch::new("todos", &["id"])
        .view_type("KEYS_ONLY")
        .insert(&todo("t-2", "b", false));
    let error = client.invoke(keys_only.to_event()).await.unwrap_err();
    assert_eq!(error.error_type, "Lambdo.BatchFailed");
    let lines = logs.lines();
    let failed = lines
        .iter()
        .rev()
        .find(|line| line["message"] == "the record failed")
        .unwrap();
    assert!(
        failed["error"].as_str().unwrap().contains("NEW_AND_OLD_IMAGES"),
        "{failed}"
    );

    // Removes on an OLD_IMAGE stream carry the old item; raw records need no images.
    let seen = Seen::default();
    async fn raw(State(seen): State<Seen>, record: DynamoDbRecord) -> Result<(), lambdo::BoxError> {
        let old: Option<Todo> = record.old_image()?;
        seen.push(format!(
            "{} {:?}",
            record.event_name(),
            old.map(|todo| todo.title)
        ));
        Ok(())
    }
    let client = TestClient::new(App::new(seen.clone()).dynamodb_stream(raw).into_function());
    let old_images = DynamoDbStreamBatch::new("todos", &["id"])
        .view_type("OLD_IMAGE")
        .insert(&todo("t-3", "c", false))
        .remove(&todo("t-3", "c", true));
    assert!(failures(&client.invoke(old_images.to_event()).await.unwrap()).is_empty());
    assert_eq!(seen.all(), ["INSERT None", "REMOVE Some(\"c\")"]);
}

#[tokio::test]
async fn dynamodb_records_rebuild_the_full_aws_lambda_events_record() {
    async fn keep(State(seen): State<Seen>, record: DynamoDbRecord) -> Result<(), lambdo::BoxError> {
        seen.push(serde_json::to_string(&record.to_aws()?)?);
        Ok(())
    }
    let seen = Seen::default();
    let client = TestClient::new(App::new(seen.clone()).dynamodb_stream(keep).into_function());
    let response = client.invoke_raw(fixtures::DYNAMODB_STREAM).await.unwrap();
    assert_eq!(failures(&response), Vec::<String>::new());

    // What decoding the whole event with aws_lambda_events gives, but for the fields
    // lambdo does not keep (the event's version).
    let reference: aws_lambda_events::event::dynamodb::Event =
        serde_json::from_str(fixtures::DYNAMODB_STREAM).unwrap();
    let expected: Vec<_> = reference
        .records
        .into_iter()
        .map(|mut record| {
            record.event_version = None;
            record
        })
        .collect();
    let rebuilt: Vec<aws_lambda_events::event::dynamodb::EventRecord> = seen
        .all()
        .iter()
        .map(|json| serde_json::from_str(json).unwrap())
        .collect();
    assert_eq!(rebuilt.len(), 3);
    assert_eq!(rebuilt, expected);
}
