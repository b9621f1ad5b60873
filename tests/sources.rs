//! One function with every source: each sample event reaches its own handler, the
//! envelopes (SNS→SQS, EventBridge→SQS) unwrap, and an unknown event is named.

#[path = "sources/authorizer.rs"]
mod authorizer;
#[path = "sources/cognito.rs"]
mod cognito;
#[path = "sources/corpus.rs"]
mod corpus;
#[path = "sources/custom.rs"]
mod custom;
#[path = "sources/properties.rs"]
mod properties;
#[path = "sources/tolerance.rs"]
mod tolerance;
#[path = "sources/websocket.rs"]
mod websocket;

use axum::{routing::get, Router};
use lambdo::{
    dynamodb::Change,
    eventbridge::{Event, Scheduled},
    kinesis::Record,
    s3::ObjectEvent,
    sns::Notification,
    sqs::Message,
    App, Json, State,
};
use lambdo_testing::{fixtures, PayloadVersion, SqsBatch, TestClient};
use lambdo_tests::{failures, Seen};
use serde::Deserialize;
use serde_json::{json, Value};

#[derive(Debug, Deserialize)]
struct Alarm {
    name: String,
    state: String,
}

#[derive(Debug, Deserialize)]
struct OrderPlaced {
    order_id: String,
    total_cents: u64,
}

async fn http(State(seen): State<Seen>) -> &'static str {
    seen.push("http".into());
    "ok"
}

async fn sqs(State(seen): State<Seen>, message: Message<Value>) -> Result<(), lambdo::BoxError> {
    seen.push(format!("sqs {}", message.body["orderId"]));
    Ok(())
}

async fn kinesis(State(seen): State<Seen>, record: Record<Value>) -> Result<(), lambdo::BoxError> {
    seen.push(format!("kinesis {}", record.data["page"]));
    Ok(())
}

async fn dynamodb(State(seen): State<Seen>, change: Change<Value>) -> Result<(), lambdo::BoxError> {
    let kind = match change {
        Change::Insert { .. } => "insert",
        Change::Modify { .. } => "modify",
        Change::Remove { .. } => "remove",
    };
    seen.push(format!("dynamodb {kind}"));
    Ok(())
}

async fn sns(State(seen): State<Seen>, notification: Notification<Alarm>) -> Result<(), lambdo::BoxError> {
    let alarm = notification.message;
    seen.push(format!(
        "sns {} {} {:?}",
        alarm.name, alarm.state, notification.subject
    ));
    Ok(())
}

async fn s3(State(seen): State<Seen>, object: ObjectEvent) -> Result<(), lambdo::BoxError> {
    seen.push(format!(
        "s3 {} {} {:?} {}",
        object.bucket, object.key, object.size, object.event_name
    ));
    Ok(())
}

async fn order_placed(State(seen): State<Seen>, event: Event<OrderPlaced>) -> Result<(), lambdo::BoxError> {
    seen.push(format!(
        "eventbridge {} {}",
        event.detail.order_id, event.detail.total_cents
    ));
    Ok(())
}

async fn tick(State(seen): State<Seen>, tick: Scheduled) -> Result<(), lambdo::BoxError> {
    seen.push(format!("schedule {} {:?}", tick.time, tick.schedule_arn));
    Ok(())
}

async fn invoke(State(seen): State<Seen>, Json(value): Json<Value>) -> Result<Value, lambdo::BoxError> {
    seen.push("invoke".into());
    Ok(value)
}

fn every_source(seen: &Seen) -> App<Seen> {
    App::new(seen.clone())
        .http(Router::new().route("/todos/{id}", get(http)))
        .sqs(sqs)
        .kinesis(kinesis)
        .dynamodb_stream(dynamodb)
        .sns(sns)
        .s3(s3)
        .eventbridge("com.example.shop", "OrderPlaced", order_placed)
        .schedule(tick)
}

#[tokio::test]
async fn every_sample_reaches_its_own_handler() {
    let seen = Seen::default();
    let client = TestClient::new(every_source(&seen).invoke(invoke).into_function());

    let response = client
        .send_event(
            PayloadVersion::HttpV2,
            serde_json::from_str(fixtures::APIGW_HTTP_V2).unwrap(),
        )
        .await;
    assert_eq!(response.status, 200);
    let batches = [
        fixtures::SQS_STANDARD,
        fixtures::KINESIS,
        fixtures::DYNAMODB_STREAM,
    ];
    for fixture in batches {
        let response = client.invoke_raw(fixture).await.unwrap();
        assert!(failures(&response).is_empty(), "{response}");
    }
    for fixture in [
        fixtures::SNS,
        fixtures::S3_PUT,
        fixtures::EVENTBRIDGE,
        fixtures::SCHEDULE,
    ] {
        assert_eq!(client.invoke_raw(fixture).await.unwrap(), Value::Null);
    }
    assert_eq!(
        client.invoke(json!({"any": "thing"})).await.unwrap(),
        json!({"any": "thing"})
    );

    assert_eq!(
        seen.all(),
        [
            "http",
            "sqs \"o-1001\"",
            "sqs \"o-1002\"",
            "kinesis \"/home\"",
            "kinesis \"/cart\"",
            "dynamodb insert",
            "dynamodb modify",
            "dynamodb remove",
            "sns HighCpu ALARM Some(\"TestInvoke\")",
            "s3 DOC-EXAMPLE-BUCKET photos/my holiday photo(1).jpg Some(1305107) ObjectCreated:Put",
            "eventbridge o-42 1999",
            "schedule 2015-10-08T16:53:06Z Some(\"arn:aws:events:us-east-1:123456789012:rule/my-scheduled-rule\")",
            "invoke",
        ]
    );
}

#[tokio::test]
async fn events_no_source_takes_are_named() {
    let seen = Seen::default();
    let client = TestClient::new(every_source(&seen).into_function());
    let cases = [
        (json!({"hello": "world"}), "a JSON object with keys [hello]"),
        (
            json!({"source": "com.other", "detail-type": "Thing", "detail": {}}),
            "an EventBridge event (source `com.other`, detail-type `Thing`)",
        ),
        (
            json!({"Records": [{"eventSource": "aws:ses", "ses": {}}]}),
            "a batch of 1 `aws:ses` records",
        ),
        (json!([1, 2]), "a JSON array"),
    ];
    for (event, arrived) in cases {
        let error = client.invoke(&event).await.unwrap_err();
        assert_eq!(error.error_type, "Lambdo.UnsupportedEvent");
        assert!(error.error_message.contains(arrived), "{}", error.error_message);
        assert!(
            error
                .error_message
                .contains("http, sqs, kinesis, dynamodb_stream, sns, s3, eventbridge, schedule"),
            "{}",
            error.error_message
        );
    }
    assert!(seen.all().is_empty());
}

#[tokio::test]
async fn sns_and_eventbridge_envelopes_unwrap_inside_sqs_messages() {
    let seen = Seen::default();
    async fn from_topic(
        State(seen): State<Seen>,
        message: Message<Notification<Alarm>>,
    ) -> Result<(), lambdo::BoxError> {
        seen.push(format!(
            "{} via {}",
            message.body.message.name, message.body.topic_arn
        ));
        Ok(())
    }
    let sns: Value = serde_json::from_str(fixtures::SNS).unwrap();
    let notification = &sns["Records"][0]["Sns"];
    let bad_notification = {
        let mut bad = notification.clone();
        bad["Message"] = json!("{\"name\": 7, \"state\": \"OK\"}");
        bad
    };
    let batch = SqsBatch::standard("alarms")
        .message(notification)
        .message(&bad_notification);
    let ids = batch.message_ids();
    let client = TestClient::new(App::new(seen.clone()).sqs(from_topic).into_function());
    let response = client.invoke(batch.to_event()).await.unwrap();
    assert_eq!(failures(&response), [ids[1].clone()]);
    assert_eq!(
        seen.all(),
        ["HighCpu via arn:aws:sns:us-east-1:123456789012:sns-lambda"]
    );

    let seen = Seen::default();
    async fn from_bus(
        State(seen): State<Seen>,
        message: Message<Event<OrderPlaced>>,
    ) -> Result<(), lambdo::BoxError> {
        seen.push(format!(
            "{} from {}",
            message.body.detail.order_id, message.body.source
        ));
        Ok(())
    }
    let event: Value = serde_json::from_str(fixtures::EVENTBRIDGE).unwrap();
    let batch = SqsBatch::standard("orders").message(&event);
    let client = TestClient::new(App::new(seen.clone()).sqs(from_bus).into_function());
    assert!(failures(&client.invoke(batch.to_event()).await.unwrap()).is_empty());
    assert_eq!(seen.all(), ["o-42 from com.example.shop"]);
}

#[tokio::test]
async fn sns_and_s3_failures_fail_the_invocation_with_the_handlers_error() {
    async fn refuse(_notification: Notification<Alarm>) -> Result<(), lambdo::FunctionError> {
        Err(lambdo::FunctionError::new("Alarm.Unhandled", "no one is on call"))
    }
    let client = TestClient::new(App::new(()).sns(refuse).into_function());
    let error = client.invoke_raw(fixtures::SNS).await.unwrap_err();
    assert_eq!(error.error_type, "Alarm.Unhandled");

    async fn explode(_object: ObjectEvent) -> Result<(), lambdo::BoxError> {
        panic!("thumbnailer crashed")
    }
    let client = TestClient::new(App::new(()).s3(explode).into_function());
    let error = client.invoke_raw(fixtures::S3_PUT).await.unwrap_err();
    assert_eq!(error.error_type, "Lambdo.HandlerPanic");
    assert!(error.error_message.contains("thumbnailer crashed"));
}

#[tokio::test]
async fn the_testing_builders_make_events_each_source_accepts() {
    let seen = Seen::default();
    let client = TestClient::new(every_source(&seen).into_function());
    let alarm = json!({"name": "DiskFull", "state": "ALARM"});
    let events = [
        lambdo_testing::sns_event("alarms", &alarm),
        lambdo_testing::s3_event("ObjectRemoved:Delete", "photos", "2026/a b+c.jpg", None),
        lambdo_testing::eventbridge_event(
            "com.example.shop",
            "OrderPlaced",
            &json!({"order_id": "o-7", "total_cents": 5}),
        ),
        lambdo_testing::scheduled_event("nightly"),
    ];
    for event in events {
        assert_eq!(client.invoke(&event).await.unwrap(), Value::Null, "{event}");
    }
    assert_eq!(
        seen.all(),
        [
            "sns DiskFull ALARM None",
            "s3 photos 2026/a b+c.jpg None ObjectRemoved:Delete",
            "eventbridge o-7 5",
            "schedule 2026-11-28T12:00:00Z Some(\"arn:aws:events:eu-central-1:123456789012:rule/nightly\")",
        ]
    );
}

#[tokio::test]
async fn without_http_every_source_still_gets_its_events() {
    // Direct invocation takes what no other source claims, not everything.
    let seen = Seen::default();
    let app = App::new(seen.clone()).sqs(sqs).schedule(tick).invoke(invoke);
    let client = TestClient::new(app.into_function());
    assert!(failures(&client.invoke_raw(fixtures::SQS_STANDARD).await.unwrap()).is_empty());
    assert_eq!(client.invoke_raw(fixtures::SCHEDULE).await.unwrap(), Value::Null);
    assert_eq!(client.invoke(json!({"n": 1})).await.unwrap(), json!({"n": 1}));
    let entries = seen.all();
    assert_eq!(entries.len(), 4, "{entries:?}");
    assert_eq!(&entries[..2], ["sqs \"o-1001\"", "sqs \"o-1002\""]);
    assert!(entries[2].starts_with("schedule "));
    assert_eq!(entries[3], "invoke");
}

#[tokio::test]
async fn an_sns_message_that_does_not_decode_names_its_path() {
    async fn on_alarm(_notification: Notification<Alarm>) -> Result<(), lambdo::BoxError> {
        Ok(())
    }
    let client = TestClient::new(App::new(()).sns(on_alarm).into_function());
    let event = lambdo_testing::sns_event("alarms", &json!({"name": "DiskFull", "state": 5}));
    let error = client.invoke(&event).await.unwrap_err();
    assert_eq!(error.error_type, "Lambdo.EventDecode", "{error:?}");
    assert!(error.error_message.contains("Message"), "{}", error.error_message);
    assert!(error.error_message.contains("state"), "{}", error.error_message);

    // A notification without its message is refused the same way, naming the field.
    let mut event = lambdo_testing::sns_event("alarms", &json!({"name": "DiskFull", "state": "OK"}));
    event["Records"][0]["Sns"]
        .as_object_mut()
        .unwrap()
        .remove("Message");
    let error = client.invoke(&event).await.unwrap_err();
    assert!(error.error_message.contains("Message"), "{}", error.error_message);

    // A notification field of the wrong type fails the record (naming the field), not
    // the reading of the event.
    let mut event = lambdo_testing::sns_event("alarms", &json!({"name": "DiskFull", "state": "OK"}));
    event["Records"][0]["Sns"]["Subject"] = json!({"not": "text"});
    let error = client.invoke(&event).await.unwrap_err();
    assert_eq!(error.error_type, "Lambdo.EventDecode", "{error:?}");
    assert!(
        error.error_message.contains("Records[0].Sns.Subject"),
        "{}",
        error.error_message
    );
}

#[tokio::test]
async fn sns_records_carry_the_notification_fields() {
    async fn on_record(
        State(seen): State<Seen>,
        record: lambdo::sns::SnsRecord,
    ) -> Result<(), lambdo::BoxError> {
        seen.push(format!(
            "{} {} {} {:?}",
            record.message_id(),
            record.topic_arn(),
            record.message(),
            record.subject()
        ));
        assert_eq!(record.to_aws()?.message, record.message());
        Ok(())
    }
    let seen = Seen::default();
    let client = TestClient::new(App::new(seen.clone()).sns(on_record).into_function());
    client.invoke_raw(fixtures::SNS).await.unwrap();
    let fixture: Value = serde_json::from_str(fixtures::SNS).unwrap();
    let sns = &fixture["Records"][0]["Sns"];
    assert_eq!(
        seen.all(),
        [format!(
            "{} {} {} {:?}",
            sns["MessageId"].as_str().unwrap(),
            sns["TopicArn"].as_str().unwrap(),
            sns["Message"].as_str().unwrap(),
            sns["Subject"].as_str()
        )]
    );
}
