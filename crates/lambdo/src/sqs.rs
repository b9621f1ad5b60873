//! Amazon SQS: one handler call per message, partial batch failures.
//!
//! Register a per-record handler with [`App::sqs`](crate::App::sqs). Its last argument
//! is a [`Message<T>`] (the body decoded from JSON into `T`) or a [`SqsRecord`] (the
//! body as text, for messages that are not JSON). It returns `Result<(), E>`; lambdo
//! answers Lambda with the `messageId` of every message that failed, so only those are
//! redelivered. Enable `ReportBatchItemFailures` on the event source mapping
//! (`FunctionResponseTypes` in `template.yaml`).
//!
//! - A message whose body does not decode fails alone; its log line names the JSON path.
//! - A panic fails its own message only.
//! - FIFO queues (`….fifo`): messages of one group run in order, and a failure fails
//!   every later message of its group (or, with
//!   [`BatchOptions::fifo_stop_batch`](crate::batch::BatchOptions::fifo_stop_batch), of
//!   the batch).
//! - Standard queues may run messages concurrently:
//!   [`BatchOptions::concurrency`](crate::batch::BatchOptions::concurrency).
//!
//! The envelope is read lazily: ids, queue and body are borrowed from the event, the
//! attributes stay raw JSON until asked for, and [`SqsRecord::to_aws`] gives the full
//! `aws_lambda_events` record when a handler needs it.
//!
//! ```
//! use lambdo::{sqs::Message, App};
//!
//! #[derive(serde::Deserialize)]
//! struct Order { order_id: String, quantity: u32 }
//!
//! async fn on_order(message: Message<Order>) -> Result<(), lambdo::BoxError> {
//!     if message.body.quantity == 0 {
//!         return Err(format!("order {} has no quantity", message.body.order_id).into());
//!     }
//!     tracing::info!(message_id = message.message_id(), "order accepted");
//!     Ok(())
//! }
//!
//! let app = App::new(()).sqs(on_order);
//! # let _ = app;
//! ```

use std::{borrow::Cow, collections::HashMap, fmt, ops::Range};

use aws_lambda_events::sqs::{SqsMessage, SqsMessageAttribute};
use bytes::Bytes;
use serde::{de::DeserializeOwned, Deserialize};
use serde_json::value::RawValue;

use crate::{
    batch::{self, BatchOptions, Order, Pending},
    records::Record,
    source::{raw_range, ReadError, Slice, Value},
    text::Text,
    Context, Error, FromPayload,
};

/// One SQS message as its handler receives it: identifiers, body text and attributes,
/// read from the event without copying where the JSON allows.
///
/// ```
/// use lambdo::sqs::SqsRecord;
///
/// async fn on_line(record: SqsRecord) -> Result<(), lambdo::BoxError> {
///     tracing::info!(id = record.message_id(), line = record.body(), "a plain-text message");
///     Ok(())
/// }
/// let app = lambdo::App::new(()).sqs(on_line);
/// # let _ = app;
/// ```
#[derive(Clone)]
pub struct SqsRecord {
    event: Bytes,
    message_id: Slice,
    body: Slice,
    queue_arn: Slice,
    receipt_handle: Slice,
    md5_of_body: Slice,
    md5_of_message_attributes: Option<Slice>,
    aws_region: Slice,
    attributes: Option<Range<usize>>,
    message_attributes: Option<Range<usize>>,
    group_id: Option<Box<str>>,
}

impl fmt::Debug for SqsRecord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SqsRecord")
            .field("message_id", &self.message_id())
            .field("queue_arn", &self.queue_arn())
            .field("message_group_id", &self.message_group_id())
            .field("body", &self.body())
            .finish()
    }
}

impl SqsRecord {
    /// The message's id: what a failure reports to Lambda.
    pub fn message_id(&self) -> &str {
        self.message_id.get(&self.event)
    }

    /// The body, as sent.
    pub fn body(&self) -> &str {
        self.body.get(&self.event)
    }

    /// The queue's ARN (`eventSourceARN`).
    pub fn queue_arn(&self) -> &str {
        self.queue_arn.get(&self.event)
    }

    /// The FIFO message group, on FIFO queues.
    pub fn message_group_id(&self) -> Option<&str> {
        self.group_id.as_deref()
    }

    /// One of the system attributes (`ApproximateReceiveCount`, `SentTimestamp`,
    /// `MessageGroupId`…), read from the raw attributes when asked for.
    pub fn attribute(&self, name: &str) -> Option<String> {
        let raw = self.raw(self.attributes.as_ref()?)?;
        let attributes: HashMap<&str, Text<'_>> = serde_json::from_str(raw).ok()?;
        attributes.get(name).map(|value| value.as_str().to_owned())
    }

    /// The message attributes the sender set, decoded when asked for.
    pub fn message_attributes(&self) -> HashMap<String, SqsMessageAttribute> {
        self.message_attributes
            .as_ref()
            .and_then(|range| self.raw(range))
            .and_then(|raw| serde_json::from_str(raw).ok())
            .unwrap_or_default()
    }

    /// The receipt handle, for deleting or changing the visibility of the message
    /// yourself.
    pub fn receipt_handle(&self) -> &str {
        self.receipt_handle.get(&self.event)
    }

    /// The full record as `aws_lambda_events` models it, built now (attributes
    /// decoded) from what the event carried.
    pub fn to_aws(&self) -> Result<SqsMessage, Error> {
        let text = |slice: &Slice| slice.non_empty(&self.event);
        let mut message = SqsMessage::default();
        message.message_id = text(&self.message_id);
        message.receipt_handle = text(&self.receipt_handle);
        message.body = Some(self.body().to_owned());
        message.md5_of_body = text(&self.md5_of_body);
        message.md5_of_message_attributes = self.md5_of_message_attributes.as_ref().and_then(text);
        message.event_source_arn = text(&self.queue_arn);
        message.event_source = Some("aws:sqs".to_owned());
        message.aws_region = text(&self.aws_region);
        if let Some(range) = &self.attributes {
            message.attributes = Error::decode(&self.event[range.clone()], "SQS attributes")?;
        }
        if let Some(range) = &self.message_attributes {
            message.message_attributes = Error::decode(&self.event[range.clone()], "SQS message attributes")?;
        }
        Ok(message)
    }

    fn raw(&self, range: &Range<usize>) -> Option<&str> {
        std::str::from_utf8(&self.event[range.clone()]).ok()
    }
}

/// An SQS message whose body is the JSON of `T`: the payload argument of an SQS
/// handler. The record's identifiers and attributes are there too (it derefs to
/// [`SqsRecord`]).
///
/// Envelopes unwrap as bodies: `Message<Notification<T>>` for a queue subscribed to an
/// SNS topic (raw delivery off; see [`Notification`](crate::sns::Notification)) and
/// `Message<Event<T>>` for an EventBridge rule's queue target (see
/// [`Event`](crate::eventbridge::Event)).
///
/// ```
/// use lambdo::sqs::Message;
///
/// #[derive(serde::Deserialize)]
/// struct Resize { key: String, width: u32 }
///
/// async fn resize(Message { body, .. }: Message<Resize>) -> Result<(), lambdo::BoxError> {
///     tracing::info!(key = body.key, width = body.width, "resizing");
///     Ok(())
/// }
/// let app = lambdo::App::new(()).sqs(resize);
/// # let _ = app;
/// ```
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Message<T> {
    /// The decoded body.
    pub body: T,
    /// The record it came in.
    pub record: SqsRecord,
}

impl<T> std::ops::Deref for Message<T> {
    type Target = SqsRecord;

    fn deref(&self) -> &SqsRecord {
        &self.record
    }
}

impl<S, T: DeserializeOwned> FromPayload<S, SqsRecord> for Message<T> {
    fn from_payload(record: SqsRecord, _context: &Context, _state: &S) -> Result<Self, Error> {
        let body = Error::decode_str(record.body(), std::any::type_name::<T>())?;
        Ok(Message { body, record })
    }
}

impl<S> FromPayload<S, SqsRecord> for SqsRecord {
    fn from_payload(record: SqsRecord, _context: &Context, _state: &S) -> Result<Self, Error> {
        Ok(record)
    }
}

#[derive(Deserialize)]
struct FifoAttributes<'a> {
    #[serde(rename = "MessageGroupId", borrow)]
    group: Text<'a>,
}

/// What the pass reads of an SQS record.
#[derive(Debug, Default)]
pub(crate) struct SqsFields<'a> {
    message_id: Option<Text<'a>>,
    receipt_handle: Option<Text<'a>>,
    body: Option<Text<'a>>,
    md5_of_body: Option<Text<'a>>,
    md5_of_message_attributes: Option<Text<'a>>,
    attributes: Option<&'a RawValue>,
    message_attributes: Option<&'a RawValue>,
    event_source_arn: Option<Text<'a>>,
    aws_region: Option<Text<'a>>,
    malformed: Option<&'static str>,
}

impl Record for SqsRecord {
    const NAME: &'static str = "an SQS record";
    const SOURCE: &'static str = "sqs";
    const EVENT_SOURCE: &'static str = "aws:sqs";
    const KEYS: &'static [&'static str] = &[
        "messageId",
        "receiptHandle",
        "body",
        "md5OfBody",
        "md5OfMessageAttributes",
        "attributes",
        "messageAttributes",
        "eventSourceARN",
        "awsRegion",
    ];
    const PARTIAL: bool = true;

    type Fields<'e> = SqsFields<'e>;

    fn read<'e>(fields: &mut SqsFields<'e>, key: &str, value: Value<'_, 'e>) -> Result<(), ReadError> {
        let malformed = &mut fields.malformed;
        match key {
            "messageId" => value
                .text_field()?
                .store(&mut fields.message_id, "messageId", malformed),
            "receiptHandle" => {
                value
                    .text_field()?
                    .store(&mut fields.receipt_handle, "receiptHandle", malformed)
            }
            "body" => value.text_field()?.store(&mut fields.body, "body", malformed),
            "md5OfBody" => value
                .text_field()?
                .store(&mut fields.md5_of_body, "md5OfBody", malformed),
            "md5OfMessageAttributes" => value.text_field()?.store(
                &mut fields.md5_of_message_attributes,
                "md5OfMessageAttributes",
                malformed,
            ),
            // Raw, whatever they hold: read when a handler asks for them.
            "attributes" => fields.attributes = Some(value.raw()?),
            "messageAttributes" => fields.message_attributes = Some(value.raw()?),
            "eventSourceARN" => {
                value
                    .text_field()?
                    .store(&mut fields.event_source_arn, "eventSourceARN", malformed)
            }
            "awsRegion" => value
                .text_field()?
                .store(&mut fields.aws_region, "awsRegion", malformed),
            _ => {}
        }
        Ok(())
    }

    fn malformed<'f>(fields: &'f mut SqsFields<'_>) -> &'f mut Option<&'static str> {
        &mut fields.malformed
    }

    fn make(event: &Bytes, fields: SqsFields<'_>, index: usize) -> Result<Pending<Self>, Error> {
        let record =
            read(event, fields).ok_or_else(|| batch::unidentified(index, "messageId", Self::NAME))?;
        Ok(Pending {
            id: record.message_id.clone(),
            group: record.group_id.clone(),
            payload: Ok(record),
        })
    }

    fn order(records: &[Pending<Self>], options: &BatchOptions) -> Order {
        match (
            records.iter().any(|record| record.group.is_some()),
            options.fifo_stop_batch,
        ) {
            (false, _) => Order::Unordered,
            (true, false) => Order::Grouped,
            (true, true) => Order::Sequential,
        }
    }
}

/// Makes one record's fields owned (ranges into the event where they were borrowed);
/// `None` without a `messageId`.
fn read(event: &Bytes, sqs: SqsFields<'_>) -> Option<SqsRecord> {
    let empty = || Text(Cow::Borrowed(""));
    let queue_arn = sqs.event_source_arn.unwrap_or_else(empty);
    let group_id = if queue_arn.as_str().ends_with(".fifo") {
        sqs.attributes
            .and_then(|raw| serde_json::from_str::<FifoAttributes<'_>>(raw.get()).ok())
            .map(|attributes| attributes.group.as_str().into())
    } else {
        None
    };
    Some(SqsRecord {
        message_id: Slice::new(event, sqs.message_id?),
        body: Slice::or_empty(event, sqs.body),
        queue_arn: Slice::new(event, queue_arn),
        receipt_handle: Slice::or_empty(event, sqs.receipt_handle),
        md5_of_body: Slice::or_empty(event, sqs.md5_of_body),
        md5_of_message_attributes: sqs.md5_of_message_attributes.map(|text| Slice::new(event, text)),
        aws_region: Slice::or_empty(event, sqs.aws_region),
        attributes: raw_range(event, sqs.attributes),
        message_attributes: raw_range(event, sqs.message_attributes),
        group_id,
        event: event.clone(),
    })
}
