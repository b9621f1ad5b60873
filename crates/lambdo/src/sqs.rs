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

use std::{collections::HashMap, fmt, ops::Range};

use aws_lambda_events::sqs::{SqsMessage, SqsMessageAttribute};
use bytes::Bytes;
use serde::{de::DeserializeOwned, Deserialize};
use serde_json::value::RawValue;

use crate::{
    batch::{self, BatchOptions, Order, Pending, RecordFn},
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
    record: Range<usize>,
    message_id: Slice,
    body: Slice,
    queue_arn: Slice,
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

    /// The full record as `aws_lambda_events` models it (decoded now, from the raw
    /// record).
    pub fn to_aws(&self) -> Result<SqsMessage, Error> {
        Error::decode(&self.event[self.record.clone()], "an SQS record")
    }

    fn raw(&self, range: &Range<usize>) -> Option<&str> {
        std::str::from_utf8(&self.event[range.clone()]).ok()
    }
}

/// An SQS message whose body is the JSON of `T`: the payload argument of an SQS
/// handler. The record's identifiers and attributes are there too (it derefs to
/// [`SqsRecord`]).
///
/// Envelopes from SNS (raw delivery off) and EventBridge are bodies like any other:
/// decode them with `Message<SnsNotification<T>>`-style types of your own, or take the
/// body with [`SqsRecord`].
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
        let body = Error::decode(record.body().as_bytes(), std::any::type_name::<T>())?;
        Ok(Message { body, record })
    }
}

impl<S> FromPayload<S, SqsRecord> for SqsRecord {
    fn from_payload(record: SqsRecord, _context: &Context, _state: &S) -> Result<Self, Error> {
        Ok(record)
    }
}

/// A string of the event: where it is in the event's bytes, or its unescaped copy.
#[derive(Debug, Clone)]
enum Slice {
    InEvent(Range<usize>),
    Owned(Box<str>),
}

impl Slice {
    fn new(event: &[u8], text: Text<'_>) -> Slice {
        match text.0 {
            std::borrow::Cow::Borrowed(text) => match range_in(event, text) {
                Some(range) => Slice::InEvent(range),
                None => Slice::Owned(text.into()),
            },
            std::borrow::Cow::Owned(text) => Slice::Owned(text.into_boxed_str()),
        }
    }

    fn get<'a>(&'a self, event: &'a [u8]) -> &'a str {
        match self {
            // The range was a `&str` of these very bytes.
            Slice::InEvent(range) => std::str::from_utf8(&event[range.clone()]).unwrap_or_default(),
            Slice::Owned(text) => text,
        }
    }
}

/// Where `part`, a slice of `event`, sits in it.
fn range_in(event: &[u8], part: &str) -> Option<Range<usize>> {
    let start = (part.as_ptr() as usize).checked_sub(event.as_ptr() as usize)?;
    let end = start + part.len();
    (end <= event.len()).then_some(start..end)
}

/// The fields of an SQS record lambdo reads up front; the rest is skipped unbuilt.
#[derive(Deserialize)]
struct Envelope<'a> {
    #[serde(rename = "messageId", borrow)]
    message_id: Text<'a>,
    #[serde(borrow, default)]
    body: Option<Text<'a>>,
    #[serde(rename = "eventSourceARN", borrow, default)]
    queue_arn: Option<Text<'a>>,
    #[serde(borrow, default)]
    attributes: Option<&'a RawValue>,
    #[serde(rename = "messageAttributes", borrow, default)]
    message_attributes: Option<&'a RawValue>,
}

#[derive(Deserialize)]
struct FifoAttributes<'a> {
    #[serde(rename = "MessageGroupId", borrow)]
    group: Text<'a>,
}

/// The registered SQS handler.
pub(crate) struct SqsSource<S> {
    handler: RecordFn<S, SqsRecord>,
    options: BatchOptions,
}

impl<S: Send + Sync + 'static> SqsSource<S> {
    pub(crate) fn new(handler: RecordFn<S, SqsRecord>, options: BatchOptions) -> Self {
        SqsSource { handler, options }
    }

    pub(crate) async fn handle(
        &self,
        event: &Bytes,
        records: Vec<&RawValue>,
        context: &Context,
        state: &S,
    ) -> Result<Box<RawValue>, Error> {
        let mut fifo = false;
        let pending: Vec<Pending<SqsRecord>> = records
            .into_iter()
            .enumerate()
            .map(|(index, raw)| {
                let record = read(event, raw);
                if let Ok(record) = &record {
                    fifo |= record.queue_arn().ends_with(".fifo");
                }
                match record {
                    Ok(record) => Pending {
                        id: record.message_id().into(),
                        group: record.group_id.clone(),
                        payload: Ok(record),
                    },
                    // Without a messageId Lambda cannot be told which record failed;
                    // the index at least names it in the log.
                    Err(error) => Pending {
                        id: format!("Records[{index}]").into(),
                        group: None,
                        payload: Err(error),
                    },
                }
            })
            .collect();
        let order = match (fifo, self.options.fifo_stop_batch) {
            (false, _) => Order::Unordered,
            (true, false) => Order::Grouped,
            (true, true) => Order::Sequential,
        };
        batch::process(pending, order, &self.options, &self.handler, context, state).await
    }
}

/// Reads one record's envelope.
fn read(event: &Bytes, raw: &RawValue) -> Result<SqsRecord, Error> {
    let text = raw.get();
    let envelope: Envelope<'_> = Error::decode(text.as_bytes(), "an SQS record")?;
    let group_id = match &envelope.queue_arn {
        Some(arn) if arn.as_str().ends_with(".fifo") => envelope
            .attributes
            .and_then(|raw| serde_json::from_str::<FifoAttributes<'_>>(raw.get()).ok())
            .map(|attributes| attributes.group.as_str().into()),
        _ => None,
    };
    let in_event = |raw: Option<&RawValue>| raw.and_then(|raw| range_in(event, raw.get()));
    Ok(SqsRecord {
        record: range_in(event, text).unwrap_or(0..0),
        message_id: Slice::new(event, envelope.message_id),
        body: Slice::new(
            event,
            envelope.body.unwrap_or(Text(std::borrow::Cow::Borrowed(""))),
        ),
        queue_arn: Slice::new(
            event,
            envelope.queue_arn.unwrap_or(Text(std::borrow::Cow::Borrowed(""))),
        ),
        attributes: in_event(envelope.attributes),
        message_attributes: in_event(envelope.message_attributes),
        group_id,
        event: event.clone(),
    })
}
