//! SNS, S3, EventBridge and scheduled events built from typed values, shaped like the
//! events those services send (see `fixtures::SNS`, `fixtures::S3_PUT`,
//! `fixtures::EVENTBRIDGE`, `fixtures::SCHEDULE`).

use serde::Serialize;
use serde_json::{json, Value};

const ACCOUNT: &str = "123456789012";
const REGION: &str = "eu-central-1";
const TIME: &str = "2026-11-28T12:00:00Z";

/// An SNS notification of `topic` whose message is `message` as JSON: the Lambda event,
/// or (with [`sns_notification`]) the body an SQS queue subscribed to the topic gets.
///
/// ```
/// let event = lambdo_testing::sns_event("alarms", &serde_json::json!({"state": "ALARM"}));
/// assert_eq!(event["Records"][0]["Sns"]["Message"], r#"{"state":"ALARM"}"#);
/// ```
pub fn sns_event(topic: &str, message: &impl Serialize) -> Value {
    let notification = sns_notification(topic, message);
    json!({"Records": [{
        "EventVersion": "1.0",
        "EventSubscriptionArn": format!("{}:2bcfbf39-05c3-41de-beaa-fcfcc21c8f55", notification["TopicArn"].as_str().unwrap_or_default()),
        "EventSource": "aws:sns",
        "Sns": notification,
    }]})
}

/// The notification itself (the `Sns` object of the Lambda event; an SQS body when the
/// queue's subscription has raw delivery off).
pub fn sns_notification(topic: &str, message: &impl Serialize) -> Value {
    let text = serde_json::to_string(message).expect("test messages serialize");
    let topic_arn = format!("arn:aws:sns:{REGION}:{ACCOUNT}:{topic}");
    json!({
        "Type": "Notification",
        "MessageId": "95df01b4-ee98-5cb9-9903-4c221d41eb5e",
        "TopicArn": topic_arn,
        "Subject": null,
        "Message": text,
        "Timestamp": "2026-11-28T12:00:00.000Z",
        "SignatureVersion": "1",
        "Signature": "EXAMPLEpH+DcEwjAPg8O9mY8dReBSwksfg2S7WKQcikcNKWLQjwu6A4VbeS0QHVCkhRS7fUQvi2egU3N858fiTDN6bkkOxYDVrY0Ad8L10Hs3zH81mtnPk5uvvolIC1CXGu43obcgFxeL3khZl8IKvO61GWB6jI9b5+gLPoBc1Q=",
        "SigningCertUrl": format!("https://sns.{REGION}.amazonaws.com/SimpleNotificationService-0000000000000000000000.pem"),
        "UnsubscribeUrl": format!("https://sns.{REGION}.amazonaws.com/?Action=Unsubscribe&SubscriptionArn={topic_arn}:2bcfbf39"),
        "MessageAttributes": {},
    })
}

/// An S3 notification of `event_name` (`ObjectCreated:Put`, `ObjectRemoved:Delete`…)
/// for `key` in `bucket`; the key is URL-encoded the way S3 encodes it.
///
/// ```
/// let event = lambdo_testing::s3_event("ObjectCreated:Put", "photos", "2026/a b(1).jpg", Some(42));
/// assert_eq!(event["Records"][0]["s3"]["object"]["key"], "2026/a+b%281%29.jpg");
/// ```
pub fn s3_event(event_name: &str, bucket: &str, key: &str, size: Option<u64>) -> Value {
    // Form encoding, but S3 leaves the `/` of key prefixes as it is.
    let encoded = form_urlencoded::byte_serialize(key.as_bytes())
        .collect::<String>()
        .replace("%2F", "/");
    let mut object = json!({"key": encoded, "sequencer": "0C0F6F405D6ED209E1"});
    if let Some(size) = size {
        object["size"] = json!(size);
        object["eTag"] = json!("b21b84d653bb07b05b1e6b33684dc11b");
    }
    json!({"Records": [{
        "eventVersion": "2.1",
        "eventSource": "aws:s3",
        "awsRegion": REGION,
        "eventTime": "2026-11-28T12:00:00.000Z",
        "eventName": event_name,
        "userIdentity": {"principalId": "AWS:AIDAINPONIXQXHT3IKHL2"},
        "requestParameters": {"sourceIPAddress": "203.0.113.7"},
        "responseElements": {"x-amz-request-id": "D82B88E5F771F645", "x-amz-id-2": "vlR7PnpV2Ce81l0PRw6jlUpck7Jo5Z="},
        "s3": {
            "s3SchemaVersion": "1.0",
            "configurationId": "on-upload",
            "bucket": {"name": bucket, "ownerIdentity": {"principalId": "A3I5XTEXAMAI3E"}, "arn": format!("arn:aws:s3:::{bucket}")},
            "object": object,
        },
    }]})
}

/// An EventBridge event from `source` of `detail_type` with `detail`.
///
/// ```
/// let event = lambdo_testing::eventbridge_event("com.example.shop", "OrderPlaced", &serde_json::json!({"n": 1}));
/// assert_eq!(event["detail-type"], "OrderPlaced");
/// ```
pub fn eventbridge_event(source: &str, detail_type: &str, detail: &impl Serialize) -> Value {
    json!({
        "version": "0",
        "id": "fe8d3c65-0000-c5c3-2c87-81584709a377",
        "detail-type": detail_type,
        "source": source,
        "account": ACCOUNT,
        "time": TIME,
        "region": REGION,
        "resources": [],
        "detail": serde_json::to_value(detail).expect("test details serialize"),
    })
}

/// The event an EventBridge rule named `rule` sends on its schedule.
///
/// ```
/// let event = lambdo_testing::scheduled_event("nightly");
/// assert_eq!(event["resources"][0], "arn:aws:events:eu-central-1:123456789012:rule/nightly");
/// ```
pub fn scheduled_event(rule: &str) -> Value {
    let mut event = eventbridge_event("aws.events", "Scheduled Event", &json!({}));
    event["resources"] = json!([format!("arn:aws:events:{REGION}:{ACCOUNT}:rule/{rule}")]);
    event
}
