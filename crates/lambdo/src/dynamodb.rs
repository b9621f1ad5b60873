//! DynamoDB Streams: one handler call per change, in order, with the item images
//! decoded into your type; partial batch failures by sequence number.
//!
//! Register a per-record handler with
//! [`App::dynamodb_stream`](crate::App::dynamodb_stream). Its last argument is a
//! [`Change<T>`] (INSERT, MODIFY or REMOVE with the images each carries, decoded by
//! `serde_dynamo`'s rules), a [`StreamRecord<T>`] (the change and its record: keys, sequence
//! number, event id) or a [`DynamoDbRecord`] (images left undecoded). The stream's view
//! type decides which images exist: `Change<T>` needs the new image of inserts and
//! modifications (`NEW_IMAGE` or `NEW_AND_OLD_IMAGES`); old images are there with
//! `OLD_IMAGE` or `NEW_AND_OLD_IMAGES`.
//!
//! Binary attributes (`B`, and the members of `BS`) decode into `Vec<u8>` and other
//! byte fields as their bytes; into self-describing targets such as
//! `serde_json::Value`, which have no bytes, as the base64 text DynamoDB's JSON carries
//! (`{"B": "AAEC"}` is `"AAEC"`).
//!
//! Records of a shard are ordered: the first failure fails every later record, and
//! lambdo reports them all (enable `ReportBatchItemFailures` on the event source
//! mapping).
//!
//! ```
//! use lambdo::{dynamodb::Change, App};
//!
//! #[derive(serde::Deserialize)]
//! struct Todo { id: String, title: String, done: bool }
//!
//! async fn on_change(change: Change<Todo>) -> Result<(), lambdo::BoxError> {
//!     match change {
//!         Change::Insert { new } => tracing::info!(id = new.id, title = new.title, "created"),
//!         Change::Modify { old, new } => {
//!             let was_done = old.is_some_and(|old| old.done);
//!             tracing::info!(id = new.id, was_done, done = new.done, "updated")
//!         }
//!         Change::Remove { old } => tracing::info!(id = old.map(|old| old.id), "deleted"),
//!     }
//!     Ok(())
//! }
//!
//! let app = App::new(()).dynamodb_stream(on_change);
//! # let _ = app;
//! ```

mod item;

use std::{fmt, ops::Range};

use aws_lambda_events::event::dynamodb::{EventRecord, UserIdentity};
use bytes::Bytes;
use item::Item;
use serde::de::DeserializeOwned;
use serde_json::{value::RawValue, Value as JsonValue};

use crate::{
    batch::{self, BatchOptions, Order, Pending},
    records::Record,
    source::{raw_range, ReadError, Slice, Value},
    text::Text,
    Context, Error, FromPayload,
};

/// One change to an item, with the images its kind carries.
#[derive(Debug, Clone, PartialEq)]
pub enum Change<T> {
    /// `INSERT`: the item as created.
    Insert {
        /// The new image.
        new: T,
    },
    /// `MODIFY`: the item after the change, and before it when the stream has old
    /// images.
    Modify {
        /// The old image (`OLD_IMAGE` / `NEW_AND_OLD_IMAGES` streams).
        old: Option<T>,
        /// The new image.
        new: T,
    },
    /// `REMOVE`: the item as it was, when the stream has old images.
    Remove {
        /// The old image (`OLD_IMAGE` / `NEW_AND_OLD_IMAGES` streams).
        old: Option<T>,
    },
}

/// A change with its record: keys, sequence number, event id (it derefs to
/// [`DynamoDbRecord`]).
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct StreamRecord<T> {
    /// The change, images decoded.
    pub change: Change<T>,
    /// The record it came in.
    pub record: DynamoDbRecord,
}

impl<T> std::ops::Deref for StreamRecord<T> {
    type Target = DynamoDbRecord;

    fn deref(&self) -> &DynamoDbRecord {
        &self.record
    }
}

/// One DynamoDB Streams record, images still in DynamoDB's JSON until asked for.
///
/// ```
/// use lambdo::dynamodb::DynamoDbRecord;
///
/// #[derive(serde::Deserialize)]
/// struct Key { id: String }
///
/// async fn on_record(record: DynamoDbRecord) -> Result<(), lambdo::BoxError> {
///     let key: Key = record.keys()?;
///     tracing::info!(id = key.id, event = record.event_name(), ttl = record.removed_by_ttl(), "change");
///     Ok(())
/// }
/// let app = lambdo::App::new(()).dynamodb_stream(on_record);
/// # let _ = app;
/// ```
#[derive(Clone)]
pub struct DynamoDbRecord {
    event: Bytes,
    sequence_number: Slice,
    event_id: Slice,
    event_name: Slice,
    stream_arn: Slice,
    stream_view_type: Slice,
    aws_region: Slice,
    keys: Option<Range<usize>>,
    new_image: Option<Range<usize>>,
    old_image: Option<Range<usize>>,
    removed_by_ttl: bool,
    size_bytes: i64,
    approximate_creation_time: f64,
}

impl fmt::Debug for DynamoDbRecord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DynamoDbRecord")
            .field("event_name", &self.event_name())
            .field("sequence_number", &self.sequence_number())
            .field("event_id", &self.event_id())
            .finish()
    }
}

impl DynamoDbRecord {
    /// The change's sequence number in its shard: what a failure reports to Lambda.
    pub fn sequence_number(&self) -> &str {
        self.sequence_number.get(&self.event)
    }

    /// The change's unique id.
    pub fn event_id(&self) -> &str {
        self.event_id.get(&self.event)
    }

    /// `INSERT`, `MODIFY` or `REMOVE`.
    pub fn event_name(&self) -> &str {
        self.event_name.get(&self.event)
    }

    /// The stream's ARN (`eventSourceARN`).
    pub fn stream_arn(&self) -> &str {
        self.stream_arn.get(&self.event)
    }

    /// `KEYS_ONLY`, `NEW_IMAGE`, `OLD_IMAGE` or `NEW_AND_OLD_IMAGES`.
    pub fn stream_view_type(&self) -> &str {
        self.stream_view_type.get(&self.event)
    }

    /// The size of the stream record, in bytes.
    pub fn size_bytes(&self) -> i64 {
        self.size_bytes
    }

    /// Seconds since the epoch when the change was made (approximately).
    pub fn approximate_creation_time(&self) -> f64 {
        self.approximate_creation_time
    }

    /// Whether DynamoDB's time to live removed the item (not a caller).
    pub fn removed_by_ttl(&self) -> bool {
        self.removed_by_ttl
    }

    /// The full record as `aws_lambda_events` models it, built now (images decoded
    /// into `serde_dynamo` items).
    ///
    /// ```
    /// use lambdo::dynamodb::DynamoDbRecord;
    ///
    /// async fn on_change(record: DynamoDbRecord) -> Result<(), lambdo::BoxError> {
    ///     let full = record.to_aws()?;
    ///     tracing::info!(keys = ?full.change.keys, region = full.aws_region, "changed");
    ///     Ok(())
    /// }
    /// let app = lambdo::App::new(()).dynamodb_stream(on_change);
    /// # let _ = app;
    /// ```
    pub fn to_aws(&self) -> Result<EventRecord, Error> {
        let image = |range: &Option<Range<usize>>| match range {
            Some(range) => Error::decode::<JsonValue>(&self.event[range.clone()], "a DynamoDB image"),
            None => Ok(JsonValue::Null),
        };
        let view_type = Some(self.stream_view_type()).filter(|view| !view.is_empty());
        let change = serde_json::json!({
            "Keys": image(&self.keys)?,
            "NewImage": image(&self.new_image)?,
            "OldImage": image(&self.old_image)?,
            "SequenceNumber": self.sequence_number(),
            "SizeBytes": self.size_bytes,
            "StreamViewType": view_type,
            "ApproximateCreationDateTime": self.approximate_creation_time,
        });
        let text = |slice: &Slice| slice.non_empty(&self.event);
        let mut record = EventRecord::default();
        record.change = serde_json::from_value(change).map_err(|source| Error::Decode {
            target: Self::NAME.to_owned(),
            path: "dynamodb".to_owned(),
            source: crate::redact::serde_error(source),
        })?;
        record.aws_region = self.aws_region.get(&self.event).to_owned();
        record.event_id = self.event_id().to_owned();
        record.event_name = self.event_name().to_owned();
        record.event_source = Some("aws:dynamodb".to_owned());
        record.event_source_arn = text(&self.stream_arn);
        if self.removed_by_ttl {
            let mut identity = UserIdentity::default();
            identity.type_ = "Service".to_owned();
            identity.principal_id = "dynamodb.amazonaws.com".to_owned();
            record.user_identity = Some(identity);
        }
        Ok(record)
    }

    /// The item's key attributes, decoded into `K`.
    pub fn keys<K: DeserializeOwned>(&self) -> Result<K, Error> {
        let keys = self
            .keys
            .as_ref()
            .ok_or_else(|| missing("Keys", "the record has no keys"))?;
        self.decode(keys, "Keys")
    }

    /// The item after the change, if the stream carries new images.
    pub fn new_image<T: DeserializeOwned>(&self) -> Result<Option<T>, Error> {
        self.new_image
            .as_ref()
            .map(|image| self.decode(image, "NewImage"))
            .transpose()
    }

    /// The item before the change, if the stream carries old images.
    pub fn old_image<T: DeserializeOwned>(&self) -> Result<Option<T>, Error> {
        self.old_image
            .as_ref()
            .map(|image| self.decode(image, "OldImage"))
            .transpose()
    }

    /// The change, images decoded into `T`.
    pub fn change<T: DeserializeOwned>(&self) -> Result<Change<T>, Error> {
        let new = || {
            self.new_image()?.ok_or_else(|| {
                missing(
                    "NewImage",
                    "the stream carries no new images: use the NEW_IMAGE or NEW_AND_OLD_IMAGES view type",
                )
            })
        };
        match self.event_name() {
            "INSERT" => Ok(Change::Insert { new: new()? }),
            "MODIFY" => Ok(Change::Modify {
                old: self.old_image()?,
                new: new()?,
            }),
            "REMOVE" => Ok(Change::Remove {
                old: self.old_image()?,
            }),
            other => Err(Error::Decode {
                target: "a DynamoDB Streams record".to_owned(),
                path: "eventName".to_owned(),
                source: serde::de::Error::unknown_variant(other, &["INSERT", "MODIFY", "REMOVE"]),
            }),
        }
    }

    fn decode<T: DeserializeOwned>(&self, range: &Range<usize>, image: &str) -> Result<T, Error> {
        let raw = &self.event[range.clone()];
        let item: Item<'_> = Error::decode(raw, "a DynamoDB item")?;
        match T::deserialize(item.into_attr()) {
            Ok(value) => Ok(value),
            // Again with the path tracked, only to say where it failed.
            Err(error) => {
                let item: Item<'_> = Error::decode(raw, "a DynamoDB item")?;
                let path = match serde_path_to_error::deserialize::<_, T>(item.into_attr()) {
                    Err(tracked) => tracked.path().to_string(),
                    Ok(_) => ".".to_owned(),
                };
                Err(Error::Decode {
                    target: std::any::type_name::<T>().to_owned(),
                    path: format!("dynamodb.{image}.{path}"),
                    source: serde::de::Error::custom(crate::redact::message(&error.to_string())),
                })
            }
        }
    }
}

fn missing(field: &str, why: &str) -> Error {
    Error::Decode {
        target: "a DynamoDB Streams record".to_owned(),
        path: format!("dynamodb.{field}"),
        source: serde::de::Error::custom(why),
    }
}

impl<S, T: DeserializeOwned> FromPayload<S, DynamoDbRecord> for Change<T> {
    fn from_payload(record: DynamoDbRecord, _context: &Context, _state: &S) -> Result<Self, Error> {
        record.change()
    }
}

impl<S, T: DeserializeOwned> FromPayload<S, DynamoDbRecord> for StreamRecord<T> {
    fn from_payload(record: DynamoDbRecord, _context: &Context, _state: &S) -> Result<Self, Error> {
        Ok(StreamRecord {
            change: record.change()?,
            record,
        })
    }
}

impl<S> FromPayload<S, DynamoDbRecord> for DynamoDbRecord {
    fn from_payload(record: DynamoDbRecord, _context: &Context, _state: &S) -> Result<Self, Error> {
        Ok(record)
    }
}

/// What the pass reads of a DynamoDB Streams record; the images stay raw until a
/// handler decodes them.
#[derive(Debug, Default)]
pub(crate) struct DynamoDbFields<'a> {
    keys: Option<&'a RawValue>,
    new_image: Option<&'a RawValue>,
    old_image: Option<&'a RawValue>,
    sequence_number: Option<Text<'a>>,
    size_bytes: Option<i64>,
    stream_view_type: Option<Text<'a>>,
    approximate_creation_date_time: Option<f64>,
    event_id: Option<Text<'a>>,
    event_name: Option<Text<'a>>,
    event_source_arn: Option<Text<'a>>,
    aws_region: Option<Text<'a>>,
    /// Who made the change (time to live, for one); raw.
    user_identity: Option<&'a RawValue>,
    malformed: Option<&'static str>,
}

/// An image: raw JSON, whatever it holds (an image that is no item fails when decoded);
/// `null` is none.
fn image<'e>(value: Value<'_, 'e>) -> Result<Option<&'e RawValue>, ReadError> {
    let raw = value.raw()?;
    Ok((raw.get() != "null").then_some(raw))
}

impl Record for DynamoDbRecord {
    const NAME: &'static str = "a DynamoDB Streams record";
    const SOURCE: &'static str = "dynamodb_stream";
    const EVENT_SOURCE: &'static str = "aws:dynamodb";
    const KEYS: &'static [&'static str] = &[
        "dynamodb",
        "eventID",
        "eventName",
        "eventSourceARN",
        "awsRegion",
        "userIdentity",
    ];
    const PARTIAL: bool = true;

    type Fields<'e> = DynamoDbFields<'e>;

    fn read<'e>(fields: &mut DynamoDbFields<'e>, key: &str, value: Value<'_, 'e>) -> Result<(), ReadError> {
        match key {
            "dynamodb" => {
                let object = value.object(|key, value| {
                    let malformed = &mut fields.malformed;
                    match key {
                        "Keys" => fields.keys = image(value)?,
                        "NewImage" => fields.new_image = image(value)?,
                        "OldImage" => fields.old_image = image(value)?,
                        "SequenceNumber" => value.text_field()?.store(
                            &mut fields.sequence_number,
                            "dynamodb.SequenceNumber",
                            malformed,
                        ),
                        "SizeBytes" => {
                            value
                                .integer()?
                                .store(&mut fields.size_bytes, "dynamodb.SizeBytes", malformed)
                        }
                        "StreamViewType" => value.text_field()?.store(
                            &mut fields.stream_view_type,
                            "dynamodb.StreamViewType",
                            malformed,
                        ),
                        "ApproximateCreationDateTime" => value.number()?.store(
                            &mut fields.approximate_creation_date_time,
                            "dynamodb.ApproximateCreationDateTime",
                            malformed,
                        ),
                        _ => {}
                    }
                    Ok(())
                })?;
                object.check("dynamodb", &mut fields.malformed);
            }
            "eventID" => value
                .text_field()?
                .store(&mut fields.event_id, "eventID", &mut fields.malformed),
            "eventName" => {
                value
                    .text_field()?
                    .store(&mut fields.event_name, "eventName", &mut fields.malformed)
            }
            "eventSourceARN" => value.text_field()?.store(
                &mut fields.event_source_arn,
                "eventSourceARN",
                &mut fields.malformed,
            ),
            "awsRegion" => {
                value
                    .text_field()?
                    .store(&mut fields.aws_region, "awsRegion", &mut fields.malformed)
            }
            "userIdentity" => fields.user_identity = Some(value.raw()?),
            _ => {}
        }
        Ok(())
    }

    fn malformed<'f>(fields: &'f mut DynamoDbFields<'_>) -> &'f mut Option<&'static str> {
        &mut fields.malformed
    }

    fn make(event: &Bytes, fields: DynamoDbFields<'_>, index: usize) -> Result<Pending<Self>, Error> {
        let sequence_number = fields
            .sequence_number
            .ok_or_else(|| batch::unidentified(index, "dynamodb.SequenceNumber", Self::NAME))?;
        let removed_by_ttl = fields
            .user_identity
            .is_some_and(|identity| identity.get().contains("\"dynamodb.amazonaws.com\""));
        let record = DynamoDbRecord {
            sequence_number: Slice::new(event, sequence_number),
            event_id: Slice::or_empty(event, fields.event_id),
            event_name: Slice::or_empty(event, fields.event_name),
            stream_arn: Slice::or_empty(event, fields.event_source_arn),
            stream_view_type: Slice::or_empty(event, fields.stream_view_type),
            aws_region: Slice::or_empty(event, fields.aws_region),
            keys: raw_range(event, fields.keys),
            new_image: raw_range(event, fields.new_image),
            old_image: raw_range(event, fields.old_image),
            removed_by_ttl,
            size_bytes: fields.size_bytes.unwrap_or_default(),
            approximate_creation_time: fields.approximate_creation_date_time.unwrap_or_default(),
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
