//! Workspace-level integration tests for lambdo: see the files beside this one. This
//! library holds what several of them share.

use std::sync::{Arc, Mutex};

/// The `itemIdentifier`s of a partial batch response; panics on anything else.
pub use lambdo_testing::batch_failures as failures;
pub use lambdo_testing::CapturedLogs;

/// What handlers saw, in the order they saw it: app state for tests.
#[derive(Clone, Default)]
pub struct Seen(Arc<Mutex<Vec<String>>>);

impl Seen {
    /// Records one entry.
    pub fn push(&self, entry: String) {
        self.0.lock().unwrap().push(entry);
    }

    /// Every entry so far.
    pub fn all(&self) -> Vec<String> {
        self.0.lock().unwrap().clone()
    }
}

/// Every key a source reads somewhere in an event, and a few of no source: for
/// generated and mutated events.
pub const SOURCE_KEYS: &[&str] = &[
    "Records",
    "connectionId",
    "http",
    "source",
    "detail-type",
    "detail",
    "id",
    "version",
    "httpMethod",
    "path",
    "rawPath",
    "rawQueryString",
    "cookies",
    "headers",
    "multiValueHeaders",
    "queryStringParameters",
    "multiValueQueryStringParameters",
    "requestContext",
    "body",
    "isBase64Encoded",
    "methodArn",
    "routeArn",
    "type",
    "routeKey",
    "triggerSource",
    "eventSource",
    "EventSource",
    "eventSourceARN",
    "awsRegion",
    "eventID",
    "eventName",
    "eventTime",
    "userIdentity",
    "messageId",
    "receiptHandle",
    "md5OfBody",
    "md5OfMessageAttributes",
    "attributes",
    "messageAttributes",
    "MessageGroupId",
    "kinesis",
    "sequenceNumber",
    "partitionKey",
    "data",
    "approximateArrivalTimestamp",
    "dynamodb",
    "Keys",
    "NewImage",
    "OldImage",
    "SequenceNumber",
    "SizeBytes",
    "StreamViewType",
    "Sns",
    "MessageId",
    "Message",
    "TopicArn",
    "Subject",
    "Timestamp",
    "MessageAttributes",
    "s3",
    "bucket",
    "object",
    "key",
    "name",
    "elb",
    "http",
    "method",
    "stage",
    "requestId",
    "connectionId",
    "S",
    "N",
    "B",
    "other",
    "",
];

/// `target/release/<name>`, next to the `target/<profile>/deps` the calling test runs
/// from; a missing binary fails the test (`scripts/test.sh` builds the examples' first).
pub fn release_binary(name: &str) -> std::path::PathBuf {
    let test = std::env::current_exe().expect("the test binary's path");
    let target = test
        .ancestors()
        .nth(3)
        .expect("tests run from target/<profile>/deps");
    let binary = target.join("release").join(name);
    assert!(
        binary.exists(),
        "{} is missing: build it with `cargo build --release -p {name}` (scripts/test.sh does)",
        binary.display()
    );
    binary
}
