//! Kinesis and DynamoDB Streams batches built from typed values, shaped like the events
//! Lambda's stream pollers send (see `fixtures::KINESIS`, `fixtures::DYNAMODB_STREAM`).

use base64::Engine;
use serde::Serialize;
use serde_json::{json, Value};

/// A batch of Kinesis records from one shard, as one Lambda event.
///
/// ```
/// use lambdo_testing::KinesisBatch;
///
/// let batch = KinesisBatch::new("clicks").record("user-1", &serde_json::json!({"page": "/"}));
/// let event = batch.to_event();
/// assert_eq!(event["Records"][0]["kinesis"]["partitionKey"], "user-1");
/// assert_eq!(event["Records"][0]["kinesis"]["data"], "eyJwYWdlIjoiLyJ9");
/// ```
#[derive(Debug, Clone)]
pub struct KinesisBatch {
    stream_arn: String,
    records: Vec<Value>,
}

impl KinesisBatch {
    /// A batch from the stream `stream`.
    pub fn new(stream: &str) -> Self {
        KinesisBatch {
            stream_arn: format!("arn:aws:kinesis:eu-central-1:123456789012:stream/{stream}"),
            records: Vec::new(),
        }
    }

    /// Adds a record whose data is `data` as JSON.
    pub fn record(self, partition_key: &str, data: &impl Serialize) -> Self {
        let bytes = serde_json::to_vec(data).expect("test records serialize");
        self.bytes(partition_key, &bytes)
    }

    /// Adds a record whose data is `bytes`.
    pub fn bytes(mut self, partition_key: &str, bytes: &[u8]) -> Self {
        let sequence = sequence_number(self.records.len());
        self.records.push(json!({
            "kinesis": {
                "kinesisSchemaVersion": "1.0",
                "partitionKey": partition_key,
                "sequenceNumber": sequence,
                "data": base64::engine::general_purpose::STANDARD.encode(bytes),
                "approximateArrivalTimestamp": 1_764_000_000.5 + self.records.len() as f64,
            },
            "eventSource": "aws:kinesis",
            "eventVersion": "1.0",
            "eventID": format!("shardId-000000000000:{sequence}"),
            "eventName": "aws:kinesis:record",
            "invokeIdentityArn": "arn:aws:iam::123456789012:role/lambda-role",
            "awsRegion": "eu-central-1",
            "eventSourceARN": self.stream_arn,
        }));
        self
    }

    /// The sequence numbers, in batch order: what `batchItemFailures` refers to.
    pub fn sequence_numbers(&self) -> Vec<String> {
        field_of_each(&self.records, "/kinesis/sequenceNumber")
    }

    /// The event Lambda would send.
    pub fn to_event(&self) -> Value {
        json!({ "Records": self.records })
    }
}

/// A batch of DynamoDB Streams records for one table, from typed items.
///
/// ```
/// use lambdo_testing::DynamoDbStreamBatch;
/// use serde_json::json;
///
/// let batch = DynamoDbStreamBatch::new("todos", &["id"])
///     .insert(&json!({"id": "t-1", "title": "a"}))
///     .remove(&json!({"id": "t-1", "title": "a"}));
/// let event = batch.to_event();
/// assert_eq!(event["Records"][0]["dynamodb"]["NewImage"]["title"], json!({"S": "a"}));
/// assert_eq!(event["Records"][1]["dynamodb"]["Keys"], json!({"id": {"S": "t-1"}}));
/// ```
#[derive(Debug, Clone)]
pub struct DynamoDbStreamBatch {
    stream_arn: String,
    key_attributes: Vec<String>,
    view_type: &'static str,
    records: Vec<Value>,
}

impl DynamoDbStreamBatch {
    /// Changes to table `table`, whose key attributes are `keys`, on a
    /// `NEW_AND_OLD_IMAGES` stream.
    pub fn new(table: &str, keys: &[&str]) -> Self {
        DynamoDbStreamBatch {
            stream_arn: format!(
                "arn:aws:dynamodb:eu-central-1:123456789012:table/{table}/stream/2026-01-01T00:00:00.000"
            ),
            key_attributes: keys.iter().map(|key| (*key).to_owned()).collect(),
            view_type: "NEW_AND_OLD_IMAGES",
            records: Vec::new(),
        }
    }

    /// Uses another stream view type (`KEYS_ONLY`, `NEW_IMAGE`, `OLD_IMAGE`): the
    /// images it does not carry are left out of the records added from now on.
    pub fn view_type(mut self, view_type: &'static str) -> Self {
        self.view_type = view_type;
        self
    }

    /// Adds an `INSERT` of `new`.
    pub fn insert(self, new: &impl Serialize) -> Self {
        self.push("INSERT", None, Some(item(new)))
    }

    /// Adds a `MODIFY` from `old` to `new`.
    pub fn modify(self, old: &impl Serialize, new: &impl Serialize) -> Self {
        self.push("MODIFY", Some(item(old)), Some(item(new)))
    }

    /// Adds a `REMOVE` of `old`.
    pub fn remove(self, old: &impl Serialize) -> Self {
        self.push("REMOVE", Some(item(old)), None)
    }

    /// The sequence numbers, in batch order: what `batchItemFailures` refers to.
    pub fn sequence_numbers(&self) -> Vec<String> {
        field_of_each(&self.records, "/dynamodb/SequenceNumber")
    }

    /// The event Lambda would send.
    pub fn to_event(&self) -> Value {
        json!({ "Records": self.records })
    }

    fn push(mut self, name: &str, old: Option<Value>, new: Option<Value>) -> Self {
        let n = self.records.len();
        let image = old
            .as_ref()
            .or(new.as_ref())
            .cloned()
            .unwrap_or_else(|| json!({}));
        let keys: serde_json::Map<String, Value> = self
            .key_attributes
            .iter()
            .filter_map(|key| Some((key.clone(), image.get(key)?.clone())))
            .collect();
        let mut dynamodb = json!({
            "ApproximateCreationDateTime": 1_764_000_000 + n,
            "Keys": keys,
            "SequenceNumber": format!("{}", 4_421_584_500_000_000_017_450_439_091_u128 + n as u128),
            "SizeBytes": 26 + n,
            "StreamViewType": self.view_type,
        });
        if matches!(self.view_type, "NEW_IMAGE" | "NEW_AND_OLD_IMAGES") {
            if let Some(new) = new {
                dynamodb["NewImage"] = new;
            }
        }
        if matches!(self.view_type, "OLD_IMAGE" | "NEW_AND_OLD_IMAGES") {
            if let Some(old) = old {
                dynamodb["OldImage"] = old;
            }
        }
        self.records.push(json!({
            "eventID": format!("{n:032x}"),
            "eventName": name,
            "eventVersion": "1.1",
            "eventSource": "aws:dynamodb",
            "awsRegion": "eu-central-1",
            "dynamodb": dynamodb,
            "eventSourceARN": self.stream_arn,
        }));
        self
    }
}

/// `value` as a DynamoDB item in the Streams JSON format.
fn item(value: &impl Serialize) -> Value {
    let item: serde_dynamo::Item =
        serde_dynamo::to_item(value).expect("test items serialize to DynamoDB items");
    serde_json::to_value(item).expect("items are JSON")
}

/// Kinesis-like sequence numbers: long, increasing.
fn sequence_number(n: usize) -> String {
    format!(
        "{}",
        49_590_338_271_490_256_608_559_692_538_361_571_095_u128 + n as u128
    )
}

/// The string at `pointer` in each record.
pub(crate) fn field_of_each(records: &[Value], pointer: &str) -> Vec<String> {
    records
        .iter()
        .map(|record| {
            record
                .pointer(pointer)
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned()
        })
        .collect()
}
