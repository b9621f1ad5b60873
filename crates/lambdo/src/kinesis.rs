//! Amazon Kinesis Data Streams: one handler call per record, in shard order, partial
//! batch failures by sequence number.
//!
//! Register a per-record handler with [`App::kinesis`](crate::App::kinesis). Its last
//! argument is a [`Record<T>`] (the base64 `data` decoded, then read as the JSON of
//! `T`) or a [`KinesisRecord`] (the data as bytes). Records of a shard are ordered: the
//! first failure fails every later record of the batch, and lambdo reports them all, so
//! Lambda resumes from the first failed one (enable `ReportBatchItemFailures` on the
//! event source mapping).
//!
//! ```
//! use lambdo::{kinesis::Record, App};
//!
//! #[derive(serde::Deserialize)]
//! struct Click { page: String, user: u64 }
//!
//! async fn on_click(record: Record<Click>) -> Result<(), lambdo::BoxError> {
//!     tracing::info!(page = record.data.page, user = record.data.user, key = record.partition_key(), "click");
//!     Ok(())
//! }
//!
//! let app = App::new(()).kinesis(on_click);
//! # let _ = app;
//! ```

use std::fmt;

use aws_lambda_events::kinesis::KinesisEventRecord;
use base64::Engine;
use bytes::Bytes;
use serde::de::DeserializeOwned;

use crate::{
    batch::{self, BatchOptions, Order, Pending},
    records::Record as RecordKind,
    source::{ReadError, Slice, Value},
    text::Text,
    Context, Error, FromPayload,
};

/// One Kinesis record as its handler receives it.
///
/// ```
/// use lambdo::kinesis::KinesisRecord;
///
/// async fn on_bytes(record: KinesisRecord) -> Result<(), lambdo::BoxError> {
///     let bytes = record.data()?;
///     tracing::info!(len = bytes.len(), sequence = record.sequence_number(), "raw record");
///     Ok(())
/// }
/// let app = lambdo::App::new(()).kinesis(on_bytes);
/// # let _ = app;
/// ```
#[derive(Clone)]
pub struct KinesisRecord {
    event: Bytes,
    sequence_number: Slice,
    partition_key: Slice,
    data: Slice,
    stream_arn: Slice,
    event_id: Slice,
    aws_region: Slice,
    approximate_arrival_timestamp: f64,
}

impl fmt::Debug for KinesisRecord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KinesisRecord")
            .field("sequence_number", &self.sequence_number())
            .field("partition_key", &self.partition_key())
            .field("stream_arn", &self.stream_arn())
            .finish()
    }
}

impl KinesisRecord {
    /// The record's sequence number in its shard: what a failure reports to Lambda.
    pub fn sequence_number(&self) -> &str {
        self.sequence_number.get(&self.event)
    }

    /// The partition key the producer chose.
    pub fn partition_key(&self) -> &str {
        self.partition_key.get(&self.event)
    }

    /// The stream's ARN (`eventSourceARN`).
    pub fn stream_arn(&self) -> &str {
        self.stream_arn.get(&self.event)
    }

    /// Seconds since the epoch when the record reached the stream.
    pub fn approximate_arrival_timestamp(&self) -> f64 {
        self.approximate_arrival_timestamp
    }

    /// The data the producer put, decoded from base64 now.
    pub fn data(&self) -> Result<Vec<u8>, Error> {
        base64::engine::general_purpose::STANDARD
            .decode(self.data.get(&self.event))
            .map_err(|err| Error::Decode {
                target: "a Kinesis record".to_owned(),
                path: "kinesis.data".to_owned(),
                source: serde::de::Error::custom(crate::redact::base64_error(&err)),
            })
    }

    /// The full record as `aws_lambda_events` models it, built now.
    pub fn to_aws(&self) -> Result<KinesisEventRecord, Error> {
        let text = |slice: &Slice| slice.non_empty(&self.event);
        let mut record = KinesisEventRecord::default();
        *record.kinesis.data = self.data()?;
        record.kinesis.partition_key = self.partition_key().to_owned();
        record.kinesis.sequence_number = self.sequence_number().to_owned();
        record.event_id = text(&self.event_id);
        record.event_source = Some("aws:kinesis".to_owned());
        record.event_name = Some("aws:kinesis:record".to_owned());
        record.event_source_arn = text(&self.stream_arn);
        record.aws_region = text(&self.aws_region);
        Ok(record)
    }
}

/// A Kinesis record whose data is the JSON of `T`: the payload argument of a Kinesis
/// handler. The record's sequence number and keys are there too (it derefs to
/// [`KinesisRecord`]).
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Record<T> {
    /// The decoded data.
    pub data: T,
    /// The record it came in.
    pub record: KinesisRecord,
}

impl<T> std::ops::Deref for Record<T> {
    type Target = KinesisRecord;

    fn deref(&self) -> &KinesisRecord {
        &self.record
    }
}

impl<S, T: DeserializeOwned> FromPayload<S, KinesisRecord> for Record<T> {
    fn from_payload(record: KinesisRecord, _context: &Context, _state: &S) -> Result<Self, Error> {
        let bytes = record.data()?;
        let data = Error::decode(&bytes, std::any::type_name::<T>())?;
        Ok(Record { data, record })
    }
}

impl<S> FromPayload<S, KinesisRecord> for KinesisRecord {
    fn from_payload(record: KinesisRecord, _context: &Context, _state: &S) -> Result<Self, Error> {
        Ok(record)
    }
}

/// What the pass reads of a Kinesis record.
#[derive(Debug, Default)]
pub(crate) struct KinesisFields<'a> {
    partition_key: Option<Text<'a>>,
    sequence_number: Option<Text<'a>>,
    data: Option<Text<'a>>,
    approximate_arrival_timestamp: Option<f64>,
    event_source_arn: Option<Text<'a>>,
    event_id: Option<Text<'a>>,
    aws_region: Option<Text<'a>>,
    malformed: Option<&'static str>,
}

impl RecordKind for KinesisRecord {
    const NAME: &'static str = "a Kinesis record";
    const SOURCE: &'static str = "kinesis";
    const EVENT_SOURCE: &'static str = "aws:kinesis";
    const KEYS: &'static [&'static str] = &["kinesis", "eventSourceARN", "eventID", "awsRegion"];
    const PARTIAL: bool = true;

    type Fields<'e> = KinesisFields<'e>;

    fn read<'e>(fields: &mut KinesisFields<'e>, key: &str, value: Value<'_, 'e>) -> Result<(), ReadError> {
        match key {
            "kinesis" => {
                let object = value.object(|key, value| {
                    let malformed = &mut fields.malformed;
                    match key {
                        "partitionKey" => value.text_field()?.store(
                            &mut fields.partition_key,
                            "kinesis.partitionKey",
                            malformed,
                        ),
                        "sequenceNumber" => value.text_field()?.store(
                            &mut fields.sequence_number,
                            "kinesis.sequenceNumber",
                            malformed,
                        ),
                        "data" => value
                            .text_field()?
                            .store(&mut fields.data, "kinesis.data", malformed),
                        "approximateArrivalTimestamp" => value.number()?.store(
                            &mut fields.approximate_arrival_timestamp,
                            "kinesis.approximateArrivalTimestamp",
                            malformed,
                        ),
                        _ => {}
                    }
                    Ok(())
                })?;
                object.check("kinesis", &mut fields.malformed);
            }
            "eventSourceARN" => value.text_field()?.store(
                &mut fields.event_source_arn,
                "eventSourceARN",
                &mut fields.malformed,
            ),
            "eventID" => value
                .text_field()?
                .store(&mut fields.event_id, "eventID", &mut fields.malformed),
            "awsRegion" => {
                value
                    .text_field()?
                    .store(&mut fields.aws_region, "awsRegion", &mut fields.malformed)
            }
            _ => {}
        }
        Ok(())
    }

    fn malformed<'f>(fields: &'f mut KinesisFields<'_>) -> &'f mut Option<&'static str> {
        &mut fields.malformed
    }

    fn make(event: &Bytes, fields: KinesisFields<'_>, index: usize) -> Result<Pending<Self>, Error> {
        let sequence_number = fields
            .sequence_number
            .ok_or_else(|| batch::unidentified(index, "kinesis.sequenceNumber", Self::NAME))?;
        let record = KinesisRecord {
            sequence_number: Slice::new(event, sequence_number),
            partition_key: Slice::or_empty(event, fields.partition_key),
            data: Slice::or_empty(event, fields.data),
            stream_arn: Slice::or_empty(event, fields.event_source_arn),
            event_id: Slice::or_empty(event, fields.event_id),
            aws_region: Slice::or_empty(event, fields.aws_region),
            approximate_arrival_timestamp: fields.approximate_arrival_timestamp.unwrap_or_default(),
            event: event.clone(),
        };
        Ok(Pending {
            id: record.sequence_number.clone(),
            group: None,
            payload: Ok(record),
        })
    }

    /// A batch comes from one shard, in order.
    fn order(_records: &[Pending<Self>], _options: &BatchOptions) -> Order {
        Order::Sequential
    }
}
