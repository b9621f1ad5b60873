//! SQS batches built from typed messages, shaped like the events Lambda's SQS poller
//! sends (see `fixtures::SQS_STANDARD`).

use serde::Serialize;
use serde_json::{json, Value};

/// A batch of SQS messages for one queue, as one Lambda event.
///
/// ```
/// use lambdo_testing::SqsBatch;
///
/// let batch = SqsBatch::fifo("orders")
///     .grouped("customer-1", &serde_json::json!({"order_id": "o-1"}))
///     .text("plain text");
/// let event = batch.to_event();
/// assert_eq!(event["Records"][0]["attributes"]["MessageGroupId"], "customer-1");
/// assert_eq!(event["Records"][1]["body"], "plain text");
/// assert!(event["Records"][0]["eventSourceARN"].as_str().unwrap().ends_with(":orders.fifo"));
/// ```
#[derive(Debug, Clone)]
pub struct SqsBatch {
    queue_arn: String,
    fifo: bool,
    records: Vec<Value>,
    message_attributes: serde_json::Map<String, Value>,
}

impl SqsBatch {
    /// A batch from the standard queue `queue`.
    pub fn standard(queue: &str) -> Self {
        SqsBatch {
            queue_arn: format!("arn:aws:sqs:eu-central-1:123456789012:{queue}"),
            fifo: false,
            records: Vec::new(),
            message_attributes: serde_json::Map::new(),
        }
    }

    /// A batch from the FIFO queue `queue` (`.fifo` is added when missing).
    pub fn fifo(queue: &str) -> Self {
        let queue = queue.strip_suffix(".fifo").unwrap_or(queue);
        SqsBatch {
            queue_arn: format!("arn:aws:sqs:eu-central-1:123456789012:{queue}.fifo"),
            fifo: true,
            records: Vec::new(),
            message_attributes: serde_json::Map::new(),
        }
    }

    /// Adds a message whose body is `body` as JSON (in group `default` on FIFO queues).
    pub fn message(self, body: &impl Serialize) -> Self {
        let text = serde_json::to_string(body).expect("test messages serialize");
        self.push(text, "default")
    }

    /// Adds a message whose body is `text` as it is.
    pub fn text(self, text: &str) -> Self {
        self.push(text.to_owned(), "default")
    }

    /// Adds a message of FIFO group `group` whose body is `body` as JSON.
    pub fn grouped(self, group: &str, body: &impl Serialize) -> Self {
        let text = serde_json::to_string(body).expect("test messages serialize");
        self.push(text, group)
    }

    /// Gives the messages added from now on the string message attribute `name`.
    ///
    /// ```
    /// let batch = lambdo_testing::SqsBatch::standard("orders").message_attribute("tenant", "acme").text("hi");
    /// assert_eq!(batch.to_event()["Records"][0]["messageAttributes"]["tenant"]["stringValue"], "acme");
    /// ```
    pub fn message_attribute(mut self, name: &str, value: &str) -> Self {
        self.message_attributes.insert(
            name.to_owned(),
            json!({
                "stringValue": value,
                "stringListValues": [],
                "binaryListValues": [],
                "dataType": "String",
            }),
        );
        self
    }

    /// The message ids, in batch order: what `batchItemFailures` refers to.
    pub fn message_ids(&self) -> Vec<String> {
        crate::stream_event::field_of_each(&self.records, "/messageId")
    }

    /// The event Lambda would send.
    pub fn to_event(&self) -> Value {
        json!({ "Records": self.records })
    }

    fn push(mut self, body: String, group: &str) -> Self {
        let n = self.records.len() + 1;
        let sent = 1_764_000_000_000_u64 + n as u64;
        let mut attributes = json!({
            "ApproximateReceiveCount": "1",
            "SentTimestamp": sent.to_string(),
            "SenderId": "AIDAIENQZJOLO23YVJ4VO",
            "ApproximateFirstReceiveTimestamp": (sent + 2).to_string(),
        });
        if self.fifo {
            attributes["MessageGroupId"] = json!(group);
            attributes["MessageDeduplicationId"] = json!(format!("dedup-{n}"));
            attributes["SequenceNumber"] = json!(format!("{}", 18_849_496_460_467_696_128_u128 + n as u128));
        }
        self.records.push(json!({
            "messageId": format!("00000000-0000-4000-a000-{n:012}"),
            "receiptHandle": receipt_handle(n),
            "body": body,
            "attributes": attributes,
            "messageAttributes": self.message_attributes,
            "md5OfBody": "e4e68fb7bd0e697a0ae8f1bb342846b3",
            "eventSource": "aws:sqs",
            "eventSourceARN": self.queue_arn,
            "awsRegion": "eu-central-1",
        }));
        self
    }
}

/// A receipt handle shaped like SQS's: `AQEB` and about 250 more base64 characters,
/// different for every message.
fn receipt_handle(n: usize) -> String {
    use base64::Engine;
    // A fixed-seed generator: the same batch always has the same handles.
    let mut state = 0x9E37_79B9_7F4A_7C15_u64 ^ n as u64;
    let bytes: Vec<u8> = (0..189)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state.to_le_bytes()[3]
        })
        .collect();
    format!("AQEB{}", base64::engine::general_purpose::STANDARD.encode(bytes))
}
