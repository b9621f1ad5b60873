//! One batch event → a typed order per record → the response, two ways, for each
//! source with per-record handlers (SQS, Kinesis, DynamoDB Streams, SNS):
//!
//! - [`LambdoRecords`]: lambdo's handler for the source (`Message<Order>`,
//!   `Record<Order>`, `Change<Order>`, `Notification<Order>`): its lazy, borrowed
//!   envelope and its batch engine (spans, panic guard, deadline guard);
//! - `hand_written_*`: the consumer people write today: a `lambda_runtime` handler of
//!   the source's `aws_lambda_events` type (owned strings, hash maps of attributes,
//!   images as `serde_dynamo` items), each payload decoded with `serde_json` or
//!   `serde_dynamo`, failures collected into the source's batch response; run as
//!   `lambda_runtime` runs a handler (see [`as_lambda_runtime`]).
//!
//! Both fail the same records (quantity 0 in SQS batches; streams and SNS carry none,
//! as a stream consumer stops at its first failure), so they answer the same bytes.

use aws_lambda_events::{
    event::{
        dynamodb::Event as DynamoDbEvent,
        kinesis::KinesisEvent,
        sns::SnsEvent,
        sqs::{BatchItemFailure, SqsBatchResponse, SqsEvent},
        streams::{DynamoDbEventResponse, KinesisEventResponse},
    },
    sqs::SqsMessage,
};
use std::{borrow::Cow, future::Future, pin::pin, task::Poll};

use bytes::Bytes;
use lambda_runtime::{Context, LambdaEvent};
use lambdo::{kinesis::Record, sns::Notification, App};
pub use lambdo_bench_minimal::{accept, Order};
use lambdo_testing::{DynamoDbStreamBatch, KinesisBatch, SqsBatch};
use serde::{de::DeserializeOwned, Deserialize, Serialize};
use serde_json::value::RawValue;

use crate::context;

/// A batch of `records` orders from a standard queue, every tenth with quantity 0;
/// each message carries SQS's four system attributes and two string message attributes
/// (a tenant and a correlation id, as producers commonly set).
pub fn order_batch(records: usize) -> Bytes {
    let queue = SqsBatch::standard("orders")
        .message_attribute("tenant", "acme")
        .message_attribute("correlationId", "5f0e8c1a-5d7e-4a8b-9c1d-2e3f4a5b6c7d");
    let batch = (0..records).fold(queue, |batch, n| batch.message(&order(n, u32::from(n % 10 != 0))));
    to_bytes(&batch.to_event())
}

/// A Kinesis record's data (JSON bytes) decoded as an order and accepted.
fn accept_json(json: &[u8]) -> Result<(), String> {
    serde_json::from_slice::<Order>(json)
        .map_err(|err| err.to_string())
        .and_then(|order| accept(&order))
}

fn order(n: usize, quantity: u32) -> Order {
    Order {
        order_id: format!("o-{n}"),
        quantity,
        note: "leave at the \"back\" door".to_owned(),
    }
}

/// A Kinesis batch of `records` orders, partitioned by customer.
pub fn kinesis_batch(records: usize) -> Bytes {
    let batch = (0..records).fold(KinesisBatch::new("orders"), |batch, n| {
        batch.record(&format!("customer-{}", n % 16), &order(n, 1))
    });
    to_bytes(&batch.to_event())
}

/// A DynamoDB Streams batch of `records` orders inserted into a table keyed by
/// `orderId` (new and old images, as `NEW_AND_OLD_IMAGES` streams send them).
pub fn dynamodb_batch(records: usize) -> Bytes {
    let batch = (0..records).fold(DynamoDbStreamBatch::new("orders", &["orderId"]), |batch, n| {
        batch.insert(&order(n, 1))
    });
    to_bytes(&batch.to_event())
}

/// An SNS event: one notification per invocation, as SNS delivers them.
pub fn sns_batch() -> Bytes {
    to_bytes(&lambdo_testing::sns_event("orders", &order(1, 1)))
}

fn to_bytes(event: &serde_json::Value) -> Bytes {
    serde_json::to_vec(event).expect("serializable").into()
}

async fn on_kinesis(record: Record<Order>) -> Result<(), String> {
    accept(&record.data)
}

async fn on_notification(notification: Notification<Order>) -> Result<(), String> {
    accept(&notification.message)
}

/// lambdo's path for one record source, as its runtime adapter runs it.
#[derive(Debug, Clone)]
pub struct LambdoRecords {
    function: lambdo::Function,
}

impl LambdoRecords {
    /// `App::sqs` with a `Message<Order>` handler.
    pub fn sqs() -> Self {
        Self::of(lambdo_bench_minimal::sqs_app())
    }

    /// `App::kinesis` with a `Record<Order>` handler.
    pub fn kinesis() -> Self {
        Self::of(App::new(()).kinesis(on_kinesis))
    }

    /// `App::dynamodb_stream` with a `Change<Order>` handler.
    pub fn dynamodb() -> Self {
        Self::of(lambdo_bench_minimal::dynamodb_app())
    }

    /// `App::sns` with a `Notification<Order>` handler.
    pub fn sns() -> Self {
        Self::of(App::new(()).sns(on_notification))
    }

    fn of(app: App<()>) -> Self {
        LambdoRecords {
            function: app.into_function(),
        }
    }

    /// The function, as a bootstrap runs it.
    pub fn into_function(self) -> lambdo::Function {
        self.function
    }

    /// The event's bytes in, the response's bytes out.
    pub async fn handle(&self, event: &Bytes) -> Vec<u8> {
        let response = self
            .function
            .call(event.clone(), context())
            .await
            .expect("a batch response");
        response.get().as_bytes().to_vec()
    }
}

/// A hand-written handler as `lambda_runtime` runs it for each invocation: the event's
/// bytes deserialized into the handler's event type, handed over with the invocation's
/// `Context`, the handler's future run, its response serialized. (`lambda_runtime`
/// makes that `Context` for every handler; lambdo's side of the benchmark gets one per
/// call too.) The future is polled once: these handlers never wait.
pub fn as_lambda_runtime<E, R, Fut>(event: &[u8], handler: impl FnOnce(LambdaEvent<E>) -> Fut) -> Vec<u8>
where
    E: DeserializeOwned,
    R: Serialize,
    Fut: Future<Output = Result<R, lambda_runtime::Error>>,
{
    let payload: E = serde_json::from_slice(event).expect("the handler's event type");
    let mut future = pin!(handler(LambdaEvent::new(payload, context())));
    let Poll::Ready(response) = future
        .as_mut()
        .poll(&mut std::task::Context::from_waker(std::task::Waker::noop()))
    else {
        panic!("a hand-written handler waited");
    };
    serde_json::to_vec(&response.expect("a response")).expect("serializable")
}

/// The hand-written SQS consumer on `aws_lambda_events`.
pub fn hand_written_sqs(event: &[u8]) -> Vec<u8> {
    as_lambda_runtime(event, on_sqs_event)
}

/// The hand-written consumer's handler, as it is given to `lambda_runtime::run`.
pub async fn on_sqs_event(event: LambdaEvent<SqsEvent>) -> Result<SqsBatchResponse, lambda_runtime::Error> {
    let mut response = SqsBatchResponse::default();
    for SqsMessage { message_id, body, .. } in event.payload.records {
        let accepted = serde_json::from_str::<Order>(body.as_deref().unwrap_or_default())
            .map_err(|err| err.to_string())
            .and_then(|order| accept(&order));
        if accepted.is_err() {
            let mut failure = BatchItemFailure::default();
            failure.item_identifier = message_id.unwrap_or_default();
            response.batch_item_failures.push(failure);
        }
    }
    Ok(response)
}

/// A batch event's `Records`, for the borrowed consumers.
#[derive(Deserialize)]
struct Records<T> {
    #[serde(rename = "Records")]
    records: Vec<T>,
}

/// The least a consumer on `serde_json` can do for an SQS batch, with no framework
/// around it: the envelope read borrowed (ids and body as `Cow<str>`, attributes as raw
/// JSON, the fields nobody reads skipped), each body decoded, failures collected. What
/// lambdo's envelope costs at best; the rest of lambdo's figure is its record engine.
/// It is handed the invocation's `Context`, as every handler is.
pub fn borrowed_sqs(event: &[u8]) -> Vec<u8> {
    let _context: Context = context();
    // Fields read (borrowed or validated) as lambdo reads them, though unused here.
    #[allow(dead_code)]
    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct Message<'a> {
        #[serde(borrow)]
        message_id: Cow<'a, str>,
        #[serde(borrow)]
        receipt_handle: Cow<'a, str>,
        #[serde(borrow)]
        body: Cow<'a, str>,
        #[serde(borrow)]
        attributes: &'a RawValue,
        #[serde(borrow)]
        message_attributes: &'a RawValue,
        #[serde(borrow, rename = "eventSourceARN")]
        event_source_arn: Cow<'a, str>,
    }
    let event: Records<Message<'_>> = serde_json::from_slice(event).expect("an SQS event");
    let mut response = SqsBatchResponse::default();
    for message in &event.records {
        let accepted = serde_json::from_str::<Order>(&message.body)
            .map_err(|err| err.to_string())
            .and_then(|order| accept(&order));
        if accepted.is_err() {
            let mut failure = BatchItemFailure::default();
            failure.item_identifier = message.message_id.to_string();
            response.batch_item_failures.push(failure);
        }
    }
    serde_json::to_vec(&response).expect("serializable")
}

/// The same floor for an SNS event: the notification's text fields borrowed, its
/// attributes raw, the message decoded.
pub fn borrowed_sns(event: &[u8]) -> Vec<u8> {
    let _context: Context = context();
    #[derive(Deserialize)]
    struct Record<'a> {
        #[serde(borrow, rename = "Sns")]
        sns: Sns<'a>,
    }
    // Fields read (borrowed or validated) as lambdo reads them, though unused here.
    #[allow(dead_code)]
    #[derive(Deserialize)]
    #[serde(rename_all = "PascalCase")]
    struct Sns<'a> {
        #[serde(borrow)]
        message_id: Cow<'a, str>,
        #[serde(borrow)]
        topic_arn: Cow<'a, str>,
        #[serde(borrow)]
        message: Cow<'a, str>,
        #[serde(borrow)]
        timestamp: Cow<'a, str>,
        #[serde(borrow)]
        message_attributes: Option<&'a RawValue>,
    }
    let event: Records<Record<'_>> = serde_json::from_slice(event).expect("an SNS event");
    for record in &event.records {
        let order: Order = serde_json::from_str(&record.sns.message).expect("an order");
        accept(&order).expect("accepted");
    }
    b"null".to_vec()
}

/// The same floor for a Kinesis batch: the record's ids and data borrowed, the data
/// decoded from base64 and then as JSON, the first failure and every later record
/// reported.
pub fn borrowed_kinesis(event: &[u8]) -> Vec<u8> {
    let _context: Context = context();
    // Fields read (borrowed or validated) as lambdo reads them, though unused here.
    #[allow(dead_code)]
    #[derive(Deserialize)]
    struct Record<'a> {
        #[serde(borrow)]
        kinesis: Kinesis<'a>,
        #[serde(borrow, rename = "eventID")]
        event_id: Cow<'a, str>,
        #[serde(borrow, rename = "eventSourceARN")]
        event_source_arn: Cow<'a, str>,
    }
    #[allow(dead_code)]
    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct Kinesis<'a> {
        #[serde(borrow)]
        partition_key: Cow<'a, str>,
        #[serde(borrow)]
        sequence_number: Cow<'a, str>,
        #[serde(borrow)]
        data: Cow<'a, str>,
        approximate_arrival_timestamp: f64,
    }
    use base64::Engine;
    let event: Records<Record<'_>> = serde_json::from_slice(event).expect("a Kinesis event");
    let mut response = KinesisEventResponse::default();
    let mut failed = false;
    for record in &event.records {
        failed = failed
            || base64::engine::general_purpose::STANDARD
                .decode(record.kinesis.data.as_bytes())
                .map_err(|err| err.to_string())
                .and_then(|data| accept_json(&data))
                .is_err();
        if failed {
            let mut failure = aws_lambda_events::event::streams::KinesisBatchItemFailure::default();
            failure.item_identifier = Some(record.kinesis.sequence_number.to_string());
            response.batch_item_failures.push(failure);
        }
    }
    serde_json::to_vec(&response).expect("serializable")
}

/// The hand-written Kinesis consumer: stops at the first failure and reports it and
/// every later record, as a stream consumer must.
pub fn hand_written_kinesis(event: &[u8]) -> Vec<u8> {
    as_lambda_runtime(event, on_kinesis_event)
}

async fn on_kinesis_event(
    event: LambdaEvent<KinesisEvent>,
) -> Result<KinesisEventResponse, lambda_runtime::Error> {
    let mut response = KinesisEventResponse::default();
    let mut failed = false;
    for record in event.payload.records {
        failed = failed || accept_json(&record.kinesis.data.0).is_err();
        if failed {
            let mut failure = aws_lambda_events::event::streams::KinesisBatchItemFailure::default();
            failure.item_identifier = Some(record.kinesis.sequence_number);
            response.batch_item_failures.push(failure);
        }
    }
    Ok(response)
}

/// The same floor for a DynamoDB Streams batch: the record's ids borrowed, its keys and
/// images kept raw (as lambdo keeps them), the new image decoded through
/// `serde_dynamo` (the library's item, then the order), the first failure and every
/// later record reported.
pub fn borrowed_dynamodb(event: &[u8]) -> Vec<u8> {
    let _context: Context = context();
    // Fields read (borrowed or validated) as lambdo reads them, though unused here.
    #[allow(dead_code)]
    #[derive(Deserialize)]
    struct Record<'a> {
        #[serde(borrow)]
        dynamodb: Change<'a>,
        #[serde(borrow, rename = "eventID")]
        event_id: Cow<'a, str>,
        #[serde(borrow, rename = "eventName")]
        event_name: Cow<'a, str>,
        #[serde(borrow, rename = "eventSourceARN")]
        event_source_arn: Cow<'a, str>,
    }
    #[allow(dead_code)]
    #[derive(Deserialize)]
    #[serde(rename_all = "PascalCase")]
    struct Change<'a> {
        #[serde(borrow, default)]
        keys: Option<&'a RawValue>,
        #[serde(borrow, default)]
        new_image: Option<&'a RawValue>,
        #[serde(borrow)]
        sequence_number: Cow<'a, str>,
        #[serde(default)]
        size_bytes: i64,
        #[serde(borrow, default)]
        stream_view_type: Option<Cow<'a, str>>,
        #[serde(default)]
        approximate_creation_date_time: f64,
    }
    let event: Records<Record<'_>> = serde_json::from_slice(event).expect("a DynamoDB Streams event");
    let mut response = DynamoDbEventResponse::default();
    let mut failed = false;
    for record in &event.records {
        failed = failed
            || record.dynamodb.new_image.is_some_and(|image| {
                serde_json::from_str::<serde_dynamo::Item>(image.get())
                    .map_err(|err| err.to_string())
                    .and_then(|item| serde_dynamo::from_item::<_, Order>(item).map_err(|err| err.to_string()))
                    .and_then(|order| accept(&order))
                    .is_err()
            });
        if failed {
            let mut failure = aws_lambda_events::event::streams::DynamoDbBatchItemFailure::default();
            failure.item_identifier = Some(record.dynamodb.sequence_number.to_string());
            response.batch_item_failures.push(failure);
        }
    }
    serde_json::to_vec(&response).expect("serializable")
}

/// The hand-written DynamoDB Streams consumer: new images through `serde_dynamo`.
pub fn hand_written_dynamodb(event: &[u8]) -> Vec<u8> {
    as_lambda_runtime(event, on_dynamodb_event)
}

/// The hand-written DynamoDB Streams consumer's handler, as it is given to
/// `lambda_runtime::run`.
pub async fn on_dynamodb_event(
    event: LambdaEvent<DynamoDbEvent>,
) -> Result<DynamoDbEventResponse, lambda_runtime::Error> {
    let mut response = DynamoDbEventResponse::default();
    let mut failed = false;
    for record in event.payload.records {
        let new_image = record.change.new_image;
        failed = failed
            || (!new_image.is_empty()
                && serde_dynamo::from_item::<_, Order>(new_image)
                    .map_err(|err| err.to_string())
                    .and_then(|order| accept(&order))
                    .is_err());
        if failed {
            let mut failure = aws_lambda_events::event::streams::DynamoDbBatchItemFailure::default();
            failure.item_identifier = record.change.sequence_number;
            response.batch_item_failures.push(failure);
        }
    }
    Ok(response)
}

/// The hand-written SNS consumer: any failure fails the invocation.
pub fn hand_written_sns(event: &[u8]) -> Vec<u8> {
    as_lambda_runtime(event, on_sns_event)
}

async fn on_sns_event(event: LambdaEvent<SnsEvent>) -> Result<(), lambda_runtime::Error> {
    for record in event.payload.records {
        let order: Order = serde_json::from_str(&record.sns.message)?;
        accept(&order)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Both consumers fail exactly the same records.
    #[tokio::test]
    async fn both_consumers_answer_the_same() {
        let event = order_batch(25);
        let ours: serde_json::Value =
            serde_json::from_slice(&LambdoRecords::sqs().handle(&event).await).unwrap();
        let theirs: serde_json::Value = serde_json::from_slice(&hand_written_sqs(&event)).unwrap();
        let floor: serde_json::Value = serde_json::from_slice(&borrowed_sqs(&event)).unwrap();
        assert_eq!(ours["batchItemFailures"].as_array().unwrap().len(), 3);
        assert_eq!(ours, theirs);
        assert_eq!(floor, theirs);
        assert_eq!(borrowed_sns(&sns_batch()), hand_written_sns(&sns_batch()));
        let kinesis = kinesis_batch(25);
        let floor: serde_json::Value = serde_json::from_slice(&borrowed_kinesis(&kinesis)).unwrap();
        let theirs: serde_json::Value = serde_json::from_slice(&hand_written_kinesis(&kinesis)).unwrap();
        assert_eq!(floor, theirs);
        let dynamodb = dynamodb_batch(25);
        let floor: serde_json::Value = serde_json::from_slice(&borrowed_dynamodb(&dynamodb)).unwrap();
        let theirs: serde_json::Value = serde_json::from_slice(&hand_written_dynamodb(&dynamodb)).unwrap();
        assert_eq!(floor, theirs);
    }

    /// So do the stream and SNS consumers (none fails a record of these batches).
    #[tokio::test]
    async fn every_source_answers_like_its_hand_written_consumer() {
        type HandWritten = fn(&[u8]) -> Vec<u8>;
        let sources: [(LambdoRecords, Bytes, HandWritten); 3] = [
            (LambdoRecords::kinesis(), kinesis_batch(25), hand_written_kinesis),
            (
                LambdoRecords::dynamodb(),
                dynamodb_batch(25),
                hand_written_dynamodb,
            ),
            (LambdoRecords::sns(), sns_batch(), hand_written_sns),
        ];
        for (ours, event, theirs) in sources {
            let ours: serde_json::Value = serde_json::from_slice(&ours.handle(&event).await).unwrap();
            let theirs: serde_json::Value = serde_json::from_slice(&theirs(&event)).unwrap();
            assert_eq!(ours, theirs);
        }
    }
}
