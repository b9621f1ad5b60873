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
use serde_json::value::RawValue;

use crate::{
    batch::{self, BatchOptions, Order, Pending},
    records::Record,
    source::{raw_range, ReadError, Slice, Value},
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

/// A notification's fields as SNS sends them, borrowed from the event.
#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Wire<'a> {
    #[serde(borrow, default)]
    message: Option<Text<'a>>,
    #[serde(borrow)]
    message_id: Text<'a>,
    #[serde(borrow, default)]
    topic_arn: Option<Text<'a>>,
    #[serde(borrow, default)]
    subject: Option<Text<'a>>,
    #[serde(borrow, default)]
    timestamp: Option<Text<'a>>,
    #[serde(borrow, default)]
    message_attributes: Option<&'a RawValue>,
}

impl<T: DeserializeOwned> Notification<T> {
    /// The notification made of these fields (`message_attributes`: their raw JSON),
    /// or why it cannot be made.
    fn from_parts(
        message: &str,
        message_id: &str,
        topic_arn: &str,
        subject: Option<&str>,
        timestamp: &str,
        message_attributes: Option<&str>,
    ) -> Result<Self, String> {
        let message = Error::decode_str(message, std::any::type_name::<T>())
            .map_err(|error| format!("in `Message`: {error}"))?;
        let message_attributes = match message_attributes {
            Some(raw) => serde_json::from_str::<Option<_>>(raw)
                .map_err(|error| format!("in `MessageAttributes`: {}", crate::redact::serde_error(error)))?
                .unwrap_or_default(),
            None => HashMap::new(),
        };
        Ok(Notification {
            message,
            message_id: message_id.to_owned(),
            topic_arn: topic_arn.to_owned(),
            subject: subject.map(str::to_owned),
            timestamp: timestamp.to_owned(),
            message_attributes,
        })
    }
}

impl<'de, T: DeserializeOwned> Deserialize<'de> for Notification<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let wire = Wire::deserialize(deserializer)?;
        let message = wire
            .message
            .ok_or_else(|| serde::de::Error::missing_field("Message"))?;
        Notification::from_parts(
            message.as_str(),
            wire.message_id.as_str(),
            wire.topic_arn.as_ref().map_or("", Text::as_str),
            wire.subject.as_ref().map(Text::as_str),
            wire.timestamp.as_ref().map_or("", Text::as_str),
            wire.message_attributes.map(RawValue::get),
        )
        .map_err(serde::de::Error::custom)
    }
}

/// One SNS record as its handler receives it: the notification's fields as text, the
/// message not decoded.
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
    /// The record's index in the event, to find the whole notification again.
    index: usize,
    message_id: Slice,
    message: Slice,
    topic_arn: Slice,
    subject: Option<Slice>,
    timestamp: Slice,
    message_attributes: Option<Range<usize>>,
}

impl fmt::Debug for SnsRecord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SnsRecord")
            .field("message_id", &self.message_id())
            .field("topic_arn", &self.topic_arn())
            .field("message", &self.message())
            .finish()
    }
}

impl SnsRecord {
    /// SNS's id of the message.
    pub fn message_id(&self) -> &str {
        self.message_id.get(&self.event)
    }

    /// The message, as published.
    pub fn message(&self) -> &str {
        self.message.get(&self.event)
    }

    /// The topic it was published to.
    pub fn topic_arn(&self) -> &str {
        self.topic_arn.get(&self.event)
    }

    /// The subject, when the publisher gave one.
    pub fn subject(&self) -> Option<&str> {
        self.subject.as_ref().map(|subject| subject.get(&self.event))
    }

    /// The notification as `aws_lambda_events` models it, decoded now.
    pub fn to_aws(&self) -> Result<SnsMessage, Error> {
        Error::decode(notification_json(&self.event, self.index)?, "an SNS notification")
    }
}

/// The raw JSON of record `index`'s notification. The shape pass keeps only its fields;
/// what needs all of it (`to_aws`, a decode error's path) reads the event again.
fn notification_json(event: &[u8], index: usize) -> Result<&[u8], Error> {
    #[derive(Deserialize)]
    struct Event<'a> {
        #[serde(rename = "Records", borrow)]
        records: Vec<Record<'a>>,
    }

    #[derive(Deserialize)]
    struct Record<'a> {
        #[serde(rename = "Sns", borrow)]
        sns: Option<&'a RawValue>,
    }

    let parsed: Event<'_> = Error::decode(event, "an SNS event")?;
    parsed
        .records
        .get(index)
        .and_then(|record| record.sns)
        .map(|sns| sns.get().as_bytes())
        .ok_or_else(|| Error::Decode {
            target: "an SNS event".to_owned(),
            path: format!("Records[{index}].Sns"),
            source: serde::de::Error::missing_field("Sns"),
        })
}

impl<S, T: DeserializeOwned> FromPayload<S, SnsRecord> for Notification<T> {
    fn from_payload(record: SnsRecord, _context: &Context, _state: &S) -> Result<Self, Error> {
        let event = &record.event;
        Notification::from_parts(
            record.message(),
            record.message_id(),
            record.topic_arn(),
            record.subject(),
            record.timestamp.get(event),
            record
                .message_attributes
                .clone()
                .and_then(|range| std::str::from_utf8(&event[range]).ok()),
        )
        // The fields were read once, up front; only a failure reads the whole
        // notification again, for the error's JSON path.
        .or_else(|_| Error::decode(notification_json(event, record.index)?, "an SNS notification"))
    }
}

impl<S> FromPayload<S, SnsRecord> for SnsRecord {
    fn from_payload(record: SnsRecord, _context: &Context, _state: &S) -> Result<Self, Error> {
        Ok(record)
    }
}

/// What the pass reads of an SNS record: its notification's fields.
#[derive(Debug, Default)]
pub(crate) struct SnsFields<'a> {
    message: Option<Text<'a>>,
    message_id: Option<Text<'a>>,
    topic_arn: Option<Text<'a>>,
    subject: Option<Text<'a>>,
    timestamp: Option<Text<'a>>,
    message_attributes: Option<&'a RawValue>,
    malformed: Option<&'static str>,
}

impl Record for SnsRecord {
    const NAME: &'static str = "an SNS record";
    const SOURCE: &'static str = "sns";
    const EVENT_SOURCE: &'static str = "aws:sns";
    const KEYS: &'static [&'static str] = &["Sns"];
    /// SNS invokes asynchronously: a failure fails the invocation.
    const PARTIAL: bool = false;

    type Fields<'e> = SnsFields<'e>;

    fn read<'e>(fields: &mut SnsFields<'e>, key: &str, value: Value<'_, 'e>) -> Result<(), ReadError> {
        if key != "Sns" {
            return Ok(());
        }
        let object = value.object(|key, value| {
            let malformed = &mut fields.malformed;
            let (slot, name) = match key {
                "Message" => (&mut fields.message, "Sns.Message"),
                "MessageId" => (&mut fields.message_id, "Sns.MessageId"),
                "TopicArn" => (&mut fields.topic_arn, "Sns.TopicArn"),
                "Subject" => (&mut fields.subject, "Sns.Subject"),
                "Timestamp" => (&mut fields.timestamp, "Sns.Timestamp"),
                "MessageAttributes" => {
                    fields.message_attributes = Some(value.raw()?);
                    return Ok(());
                }
                _ => return Ok(()),
            };
            value.text_field()?.store(slot, name, malformed);
            Ok(())
        })?;
        object.check("Sns", &mut fields.malformed);
        Ok(())
    }

    fn malformed<'f>(fields: &'f mut SnsFields<'_>) -> &'f mut Option<&'static str> {
        &mut fields.malformed
    }

    fn make(event: &Bytes, sns: SnsFields<'_>, index: usize) -> Result<Pending<Self>, Error> {
        let message_id = sns
            .message_id
            .ok_or_else(|| batch::unidentified(index, "Sns.MessageId", Self::NAME))?;
        let record = SnsRecord {
            event: event.clone(),
            index,
            message_id: Slice::new(event, message_id),
            // Missing, the message decodes as nothing and the notification is read
            // again for a precise error.
            message: Slice::or_empty(event, sns.message),
            topic_arn: Slice::or_empty(event, sns.topic_arn),
            subject: sns.subject.map(|subject| Slice::new(event, subject)),
            timestamp: Slice::or_empty(event, sns.timestamp),
            message_attributes: raw_range(event, sns.message_attributes),
        };
        Ok(Pending {
            id: record.message_id.clone(),
            group: None,
            payload: Ok(record),
        })
    }

    fn order(_records: &[Pending<Self>], _options: &BatchOptions) -> Order {
        Order::Sequential
    }
}
