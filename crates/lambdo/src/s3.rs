//! Amazon S3 event notifications: one handler call per object event.
//!
//! Register a handler with [`App::s3`](crate::App::s3); its last argument is an
//! [`ObjectEvent`]: bucket, key (URL-decoded: S3 sends `my+photo%281%29.jpg` for
//! `my photo(1).jpg`), size, ETag, version and the event's name (`ObjectCreated:Put`,
//! `ObjectRemoved:Delete`…). S3 invokes functions asynchronously: a failure fails the
//! invocation and Lambda's asynchronous retries take over.
//!
//! ```
//! use lambdo::{s3::ObjectEvent, App};
//!
//! async fn on_upload(object: ObjectEvent) -> Result<(), lambdo::BoxError> {
//!     if object.event_name.starts_with("ObjectCreated:") {
//!         tracing::info!(bucket = object.bucket, key = object.key, size = object.size, "uploaded");
//!     }
//!     Ok(())
//! }
//!
//! let app = App::new(()).s3(on_upload);
//! # let _ = app;
//! ```

use bytes::Bytes;
use serde::Deserialize;

use serde_json::value::RawValue;

use crate::{
    batch::{self, BatchOptions, Order, Pending},
    records::Record,
    source::{ReadError, Slice, Value},
    text::Text,
    Context, Error, FromPayload,
};

/// One S3 object event.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ObjectEvent {
    /// `ObjectCreated:Put`, `ObjectRemoved:Delete`, `ObjectRestore:Completed`…
    pub event_name: String,
    /// When it happened (RFC 3339, as S3 sends it).
    pub event_time: String,
    /// The bucket's region.
    pub region: String,
    /// The bucket's name.
    pub bucket: String,
    /// The object's key, URL-decoded.
    pub key: String,
    /// The object's size in bytes (not sent for deletions).
    pub size: Option<u64>,
    /// The object's ETag (not sent for deletions).
    pub etag: Option<String>,
    /// The object's version, on versioned buckets.
    pub version_id: Option<String>,
    /// Orders the events of one key: a greater sequencer is a later event.
    pub sequencer: Option<String>,
}

/// S3's keys are form-encoded: `+` is a space, `%XX` a byte.
fn decode_key(raw: &str) -> String {
    let spaced = raw.replace('+', " ");
    percent_encoding::percent_decode_str(&spaced)
        .decode_utf8_lossy()
        .into_owned()
}

#[derive(Deserialize)]
struct Notification {
    bucket: Bucket,
    object: Object,
}

#[derive(Deserialize)]
struct Bucket {
    name: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Object {
    key: String,
    #[serde(default)]
    size: Option<u64>,
    #[serde(default)]
    e_tag: Option<String>,
    #[serde(default)]
    version_id: Option<String>,
    #[serde(default)]
    sequencer: Option<String>,
}

impl<S> FromPayload<S, ObjectEvent> for ObjectEvent {
    fn from_payload(event: ObjectEvent, _context: &Context, _state: &S) -> Result<Self, Error> {
        Ok(event)
    }
}

/// What the pass reads of an S3 record; the notification stays raw until the record
/// is made.
#[derive(Debug, Default)]
pub(crate) struct S3Fields<'a> {
    s3: Option<&'a RawValue>,
    event_name: Option<Text<'a>>,
    event_time: Option<Text<'a>>,
    aws_region: Option<Text<'a>>,
    malformed: Option<&'static str>,
}

impl Record for ObjectEvent {
    const NAME: &'static str = "an S3 event record";
    const SOURCE: &'static str = "s3";
    const EVENT_SOURCE: &'static str = "aws:s3";
    const KEYS: &'static [&'static str] = &["s3", "eventName", "eventTime", "awsRegion"];
    /// S3 invokes asynchronously: a failure fails the invocation.
    const PARTIAL: bool = false;

    type Fields<'e> = S3Fields<'e>;

    fn read<'e>(fields: &mut S3Fields<'e>, key: &str, value: Value<'_, 'e>) -> Result<(), ReadError> {
        let malformed = &mut fields.malformed;
        match key {
            "s3" => fields.s3 = Some(value.raw()?),
            "eventName" => value
                .text_field()?
                .store(&mut fields.event_name, "eventName", malformed),
            "eventTime" => value
                .text_field()?
                .store(&mut fields.event_time, "eventTime", malformed),
            "awsRegion" => value
                .text_field()?
                .store(&mut fields.aws_region, "awsRegion", malformed),
            _ => {}
        }
        Ok(())
    }

    fn malformed<'f>(fields: &'f mut S3Fields<'_>) -> &'f mut Option<&'static str> {
        &mut fields.malformed
    }

    /// S3 takes no partial response: a record is known by its index in the logs.
    fn make(_event: &Bytes, fields: S3Fields<'_>, index: usize) -> Result<Pending<Self>, Error> {
        let failed = |error| {
            Ok(Pending {
                id: Slice::owned(format!("Records[{index}]")),
                group: None,
                payload: Err(error),
            })
        };
        let Some(raw) = fields.s3 else {
            return failed(batch::unidentified(index, "s3", Self::NAME));
        };
        let notification = match Error::decode_str::<Notification>(raw.get(), Self::NAME) {
            Ok(notification) => notification,
            Err(error) => return failed(error),
        };
        let text = |field: Option<Text<'_>>| field.map(|text| text.0.into_owned()).unwrap_or_default();
        let object = ObjectEvent {
            event_name: text(fields.event_name),
            event_time: text(fields.event_time),
            region: text(fields.aws_region),
            key: decode_key(&notification.object.key),
            bucket: notification.bucket.name,
            size: notification.object.size,
            etag: notification.object.e_tag,
            version_id: notification.object.version_id,
            sequencer: notification.object.sequencer,
        };
        Ok(Pending {
            id: Slice::owned(format!("s3://{}/{}", object.bucket, object.key)),
            group: None,
            payload: Ok(object),
        })
    }

    fn order(_records: &[Pending<Self>], _options: &BatchOptions) -> Order {
        Order::Sequential
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_url_decoded() {
        assert_eq!(decode_key("my+photo%281%29.jpg"), "my photo(1).jpg");
        assert_eq!(decode_key("caf%C3%A9/plain"), "café/plain");
        assert_eq!(decode_key("a%2Bb"), "a+b");
    }
}
