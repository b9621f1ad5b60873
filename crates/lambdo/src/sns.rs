//! Amazon SNS: one handler call per notification, the message decoded into your type.
//!
//! Register a handler with [`App::sns`](crate::App::sns). Its last argument is a
//! [`Notification<T>`] (the `Message` read as the JSON of `T`) or an [`SnsRecord`] (the
//! message as text). SNS invokes functions asynchronously and takes no partial
//! response: a failure fails the invocation (with the handler's error), and Lambda's
//! asynchronous retries and on-failure destination take over.
//!
//! [`Notification<T>`] is also what an SQS queue subscribed to a topic receives (raw
//! message delivery off): take `Message<Notification<T>>` in an SQS handler to unwrap
//! it.
//!
//! ```
//! use lambdo::{sns::Notification, App};
//!
//! #[derive(serde::Deserialize)]
//! struct Alarm { name: String, state: String }
//!
//! async fn on_alarm(notification: Notification<Alarm>) -> Result<(), lambdo::BoxError> {
//!     let alarm = &notification.message;
//!     tracing::warn!(alarm = alarm.name, state = alarm.state, topic = notification.topic_arn, "alarm");
//!     Ok(())
//! }
//!
//! let app = App::new(()).sns(on_alarm);
//! # let _ = app;
//! ```

use std::{collections::HashMap, fmt, ops::Range};

use aws_lambda_events::sns::{MessageAttribute, SnsMessage};
use bytes::Bytes;
use serde::{de::DeserializeOwned, Deserialize, Deserializer};

use crate::{
    batch::{BatchOptions, FromRecords, Order, Pending},
    source::{range_in, RecordFields},
    text::Text,
    Context, Error, FromPayload,
};

/// An SNS notification whose message is the JSON of `T`.
///
/// ```
/// use lambdo::sns::Notification;
///
/// let text = r#"{"Type":"Notification","MessageId":"m-1","TopicArn":"arn:aws:sns:eu-central-1:1:t",
///                "Message":"{\"n\":7}","Timestamp":"2026-11-28T12:00:00.000Z"}"#;
/// #[derive(serde::Deserialize)]
/// struct Count { n: u32 }
/// let notification: Notification<Count> = serde_json::from_str(text).unwrap();
/// assert_eq!(notification.message.n, 7);
/// assert_eq!(notification.message_id, "m-1");
/// ```
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Notification<T> {
    /// The message, decoded.
    pub message: T,
    /// SNS's id of the message.
    pub message_id: String,
    /// The topic it was published to.
    pub topic_arn: String,
    /// The subject, when the publisher gave one.
    pub subject: Option<String>,
    /// When it was published (RFC 3339, as SNS sends it).
    pub timestamp: String,
    /// The message attributes the publisher set.
    pub message_attributes: HashMap<String, MessageAttribute>,
}

impl<'de, T: DeserializeOwned> Deserialize<'de> for Notification<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(rename_all = "PascalCase")]
        struct Wire<'a> {
            #[serde(borrow)]
            message: Text<'a>,
            message_id: String,
            #[serde(default)]
            topic_arn: String,
            #[serde(default)]
            subject: Option<String>,
            #[serde(default)]
            timestamp: String,
            #[serde(default)]
            message_attributes: Option<HashMap<String, MessageAttribute>>,
        }
        let wire = Wire::deserialize(deserializer)?;
        let message = Error::decode(wire.message.as_str().as_bytes(), std::any::type_name::<T>())
            .map_err(|error| serde::de::Error::custom(format_args!("in `Message`: {error}")))?;
        Ok(Notification {
            message,
            message_id: wire.message_id,
            topic_arn: wire.topic_arn,
            subject: wire.subject,
            timestamp: wire.timestamp,
            message_attributes: wire.message_attributes.unwrap_or_default(),
        })
    }
}

/// One SNS record as its handler receives it: the notification still raw.
///
/// ```
/// use lambdo::sns::SnsRecord;
///
/// async fn on_text(record: SnsRecord) -> Result<(), lambdo::BoxError> {
///     let notification = record.to_aws()?;
///     tracing::info!(message = notification.message, "a plain-text notification");
///     Ok(())
/// }
/// let app = lambdo::App::new(()).sns(on_text);
/// # let _ = app;
/// ```
#[derive(Clone)]
pub struct SnsRecord {
    event: Bytes,
    sns: Range<usize>,
    message_id: Box<str>,
}

impl fmt::Debug for SnsRecord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SnsRecord")
            .field("message_id", &self.message_id)
            .finish()
    }
}

impl SnsRecord {
    /// SNS's id of the message.
    pub fn message_id(&self) -> &str {
        &self.message_id
    }

    /// The notification as `aws_lambda_events` models it, decoded now.
    pub fn to_aws(&self) -> Result<SnsMessage, Error> {
        Error::decode(&self.event[self.sns.clone()], "an SNS notification")
    }
}

impl<S, T: DeserializeOwned> FromPayload<S, SnsRecord> for Notification<T> {
    fn from_payload(record: SnsRecord, _context: &Context, _state: &S) -> Result<Self, Error> {
        Error::decode(&record.event[record.sns.clone()], "an SNS notification")
    }
}

impl<S> FromPayload<S, SnsRecord> for SnsRecord {
    fn from_payload(record: SnsRecord, _context: &Context, _state: &S) -> Result<Self, Error> {
        Ok(record)
    }
}

impl FromRecords for SnsRecord {
    const NAME: &'static str = "an SNS record";

    fn read(event: &Bytes, fields: RecordFields<'_>, index: usize) -> Pending<Self> {
        #[derive(Deserialize)]
        struct Head<'a> {
            #[serde(rename = "MessageId", borrow)]
            message_id: Text<'a>,
        }
        let sns = fields.sns.and_then(|raw| {
            let head: Head<'_> = serde_json::from_str(raw.get()).ok()?;
            Some((range_in(event, raw.get())?, head.message_id.as_str().into()))
        });
        let Some((sns, message_id)) = sns else {
            return Pending::unidentified(index, "Sns.MessageId", Self::NAME);
        };
        let record = SnsRecord {
            event: event.clone(),
            sns,
            message_id,
        };
        Pending {
            id: record.message_id.clone(),
            group: None,
            payload: Ok(record),
        }
    }

    fn order(_records: &[Pending<Self>], _options: &BatchOptions) -> Order {
        Order::Sequential
    }
}
