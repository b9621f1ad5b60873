//! The records of a `Records` batch, read in the same pass that tells the event's
//! source: each record's fields that some source uses are borrowed from the event
//! bytes (strings without escapes are not copied), nested parts are kept as raw JSON
//! until a handler asks for them, and everything else is skipped unbuilt.

use std::fmt;

use serde::{
    de::{self, DeserializeSeed, IgnoredAny, MapAccess, Visitor},
    Deserialize, Deserializer,
};
use serde_json::value::RawValue;

use crate::text::{next_lenient, Text};

/// One record, as far as lambdo reads it up front. Reading one never fails on valid
/// JSON: a field of another type than its source's is left out and named in
/// `malformed`, and the record then fails alone.
#[derive(Debug, Default)]
pub(crate) struct RecordFields<'a> {
    /// `eventSource` (`EventSource` for SNS): `aws:sqs`, `aws:kinesis`…
    pub(crate) event_source: Option<Text<'a>>,
    pub(crate) event_source_arn: Option<Text<'a>>,
    pub(crate) aws_region: Option<Text<'a>>,
    /// `eventID`, `eventName`: streams (and S3).
    pub(crate) event_id: Option<Text<'a>>,
    pub(crate) event_name: Option<Text<'a>>,
    pub(crate) event_time: Option<Text<'a>>,
    /// Who made a DynamoDB change (time to live, for one); raw.
    pub(crate) user_identity: Option<&'a RawValue>,
    /// The fields only one source's records have.
    pub(crate) source: SourceFields<'a>,
    /// The path in the record of the first field whose value is of the wrong type.
    pub(crate) malformed: Option<&'static str>,
}

impl RecordFields<'_> {
    /// The error of a record whose field at `malformed` has the wrong type.
    pub(crate) fn malformed_error(field: &str, index: usize, target: &str) -> crate::Error {
        crate::Error::Decode {
            target: target.to_owned(),
            path: format!("Records[{index}].{field}"),
            source: de::Error::custom("the value is not of the type this field has"),
        }
    }
}

/// The fields of one source's records. A record is one source's: the first field that
/// belongs to a source decides which, and other sources' fields are then skipped (no
/// record mixes them). One of these instead of a set of each keeps records small: the
/// pass moves every record a few times and keeps them all until the batch is handled.
#[derive(Debug, Default)]
pub(crate) enum SourceFields<'a> {
    #[default]
    None,
    Sqs(SqsFields<'a>),
    Kinesis(KinesisFields<'a>),
    DynamoDb(DynamoDbFields<'a>),
    /// SNS's notification, read here: its text fields are what its records are made
    /// of. Boxed: it is the largest, and SNS events have one record.
    Sns(Box<SnsFields<'a>>),
    /// S3's notification: small, read from the raw JSON when its record is made.
    S3(&'a RawValue),
}

impl<'a> SourceFields<'a> {
    /// Takes `fields` unless the record already belongs to a source.
    fn set(&mut self, fields: Option<SourceFields<'a>>) {
        if let (SourceFields::None, Some(fields)) = (&self, fields) {
            *self = fields;
        }
    }
}

/// An object read field by field, leniently (see [`ObjectOf`]).
pub(crate) trait Fields<'de>: Default {
    /// Reads the value of `key`, or skips it.
    fn read<A: MapAccess<'de>>(&mut self, key: &str, map: &mut A) -> Result<(), A::Error>;
}

/// A JSON object of `T`'s fields; `None` for any other JSON value. A key that comes
/// twice keeps its last value, as JSON readers commonly do.
pub(crate) struct ObjectOf<T>(pub(crate) Option<T>);

impl<'de, T: Fields<'de>> Deserialize<'de> for ObjectOf<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct ObjectVisitor<T>(std::marker::PhantomData<T>);

        impl<'de, T: Fields<'de>> Visitor<'de> for ObjectVisitor<T> {
            type Value = ObjectOf<T>;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an object")
            }

            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut fields = T::default();
                while let Some(key) = map.next_key::<Text<'de>>()? {
                    fields.read(key.as_str(), &mut map)?;
                }
                Ok(ObjectOf(Some(fields)))
            }

            fn visit_seq<A: de::SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                while seq.next_element::<IgnoredAny>()?.is_some() {}
                Ok(ObjectOf(None))
            }

            scalars_answer!(ObjectOf(None));
        }

        deserializer.deserialize_any(ObjectVisitor(std::marker::PhantomData))
    }
}

/// Reads the value of `key`, an object of `T`'s fields, into `source` (unless the record
/// is already another source's); anything but an object marks the record malformed.
fn next_source<'de, A, T>(
    map: &mut A,
    record: &mut RecordFields<'de>,
    key: &'static str,
    wrap: fn(T) -> SourceFields<'de>,
) -> Result<(), A::Error>
where
    A: MapAccess<'de>,
    T: Fields<'de>,
{
    match map.next_value::<ObjectOf<T>>()?.0 {
        Some(fields) => record.source.set(Some(wrap(fields))),
        None => {
            record.malformed.get_or_insert(key);
        }
    }
    Ok(())
}

/// The `kinesis` object of a Kinesis record.
#[derive(Debug, Default)]
pub(crate) struct KinesisFields<'a> {
    pub(crate) partition_key: Option<Text<'a>>,
    pub(crate) sequence_number: Option<Text<'a>>,
    pub(crate) data: Option<Text<'a>>,
    pub(crate) approximate_arrival_timestamp: Option<f64>,
    pub(crate) malformed: Option<&'static str>,
}

impl<'de> Fields<'de> for KinesisFields<'de> {
    fn read<A: MapAccess<'de>>(&mut self, key: &str, map: &mut A) -> Result<(), A::Error> {
        let malformed = &mut self.malformed;
        match key {
            "partitionKey" => next_lenient(map, &mut self.partition_key, "kinesis.partitionKey", malformed),
            "sequenceNumber" => next_lenient(
                map,
                &mut self.sequence_number,
                "kinesis.sequenceNumber",
                malformed,
            ),
            "data" => next_lenient(map, &mut self.data, "kinesis.data", malformed),
            "approximateArrivalTimestamp" => next_lenient(
                map,
                &mut self.approximate_arrival_timestamp,
                "kinesis.approximateArrivalTimestamp",
                malformed,
            ),
            _ => map.next_value::<IgnoredAny>().map(drop),
        }
    }
}

/// The `dynamodb` object of a DynamoDB Streams record; the images stay raw until a
/// handler decodes them.
#[derive(Debug, Default)]
pub(crate) struct DynamoDbFields<'a> {
    pub(crate) keys: Option<&'a RawValue>,
    pub(crate) new_image: Option<&'a RawValue>,
    pub(crate) old_image: Option<&'a RawValue>,
    pub(crate) sequence_number: Option<Text<'a>>,
    pub(crate) size_bytes: Option<i64>,
    pub(crate) stream_view_type: Option<Text<'a>>,
    pub(crate) approximate_creation_date_time: Option<f64>,
    pub(crate) malformed: Option<&'static str>,
}

impl<'de> Fields<'de> for DynamoDbFields<'de> {
    fn read<A: MapAccess<'de>>(&mut self, key: &str, map: &mut A) -> Result<(), A::Error> {
        let malformed = &mut self.malformed;
        match key {
            // Raw JSON, whatever it holds (`null` is none): an image that is no item
            // fails when decoded.
            "Keys" => self.keys = map.next_value()?,
            "NewImage" => self.new_image = map.next_value()?,
            "OldImage" => self.old_image = map.next_value()?,
            "SequenceNumber" => {
                return next_lenient(
                    map,
                    &mut self.sequence_number,
                    "dynamodb.SequenceNumber",
                    malformed,
                )
            }
            "SizeBytes" => return next_lenient(map, &mut self.size_bytes, "dynamodb.SizeBytes", malformed),
            "StreamViewType" => {
                return next_lenient(
                    map,
                    &mut self.stream_view_type,
                    "dynamodb.StreamViewType",
                    malformed,
                )
            }
            "ApproximateCreationDateTime" => {
                return next_lenient(
                    map,
                    &mut self.approximate_creation_date_time,
                    "dynamodb.ApproximateCreationDateTime",
                    malformed,
                )
            }
            _ => {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(())
    }
}

/// The fields of an SQS record.
#[derive(Debug, Default)]
pub(crate) struct SqsFields<'a> {
    pub(crate) message_id: Option<Text<'a>>,
    pub(crate) receipt_handle: Option<Text<'a>>,
    pub(crate) body: Option<Text<'a>>,
    pub(crate) md5_of_body: Option<Text<'a>>,
    pub(crate) md5_of_message_attributes: Option<Text<'a>>,
    pub(crate) attributes: Option<&'a RawValue>,
    pub(crate) message_attributes: Option<&'a RawValue>,
}

/// The `Sns` object of an SNS record.
#[derive(Debug, Default)]
pub(crate) struct SnsFields<'a> {
    pub(crate) message: Option<Text<'a>>,
    pub(crate) message_id: Option<Text<'a>>,
    pub(crate) topic_arn: Option<Text<'a>>,
    pub(crate) subject: Option<Text<'a>>,
    pub(crate) timestamp: Option<Text<'a>>,
    pub(crate) message_attributes: Option<&'a RawValue>,
    pub(crate) malformed: Option<&'static str>,
}

impl<'de> Fields<'de> for SnsFields<'de> {
    fn read<A: MapAccess<'de>>(&mut self, key: &str, map: &mut A) -> Result<(), A::Error> {
        let malformed = &mut self.malformed;
        match key {
            "Message" => next_lenient(map, &mut self.message, "Sns.Message", malformed),
            "MessageId" => next_lenient(map, &mut self.message_id, "Sns.MessageId", malformed),
            "TopicArn" => next_lenient(map, &mut self.topic_arn, "Sns.TopicArn", malformed),
            "Subject" => next_lenient(map, &mut self.subject, "Sns.Subject", malformed),
            "Timestamp" => next_lenient(map, &mut self.timestamp, "Sns.Timestamp", malformed),
            "MessageAttributes" => {
                self.message_attributes = Some(map.next_value()?);
                Ok(())
            }
            _ => map.next_value::<IgnoredAny>().map(drop),
        }
    }
}

/// Reads the value of a top-level `Records` key: the records when it is an array, with
/// room for `room` of them up front; `None` for anything else (some other event's field).
pub(crate) struct RecordsField {
    pub(crate) room: usize,
}

impl<'de> DeserializeSeed<'de> for RecordsField {
    type Value = Option<Vec<RecordFields<'de>>>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for RecordsField {
    type Value = Option<Vec<RecordFields<'de>>>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_seq<A: de::SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut records = Vec::with_capacity(self.room);
        while seq.next_element_seed(RecordSeed(&mut records))?.is_some() {}
        Ok(Some(records))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(None)
    }

    scalars_answer!(None);
}

/// Reads one element of a `Records` array into a new last record of the vector it
/// holds. A record is a few hundred bytes: returned by value, it would be copied through
/// every layer of the deserializer and again into the vector.
struct RecordSeed<'v, 'de>(&'v mut Vec<RecordFields<'de>>);

impl<'de> DeserializeSeed<'de> for RecordSeed<'_, 'de> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        self.0.push(RecordFields::default());
        let record = self.0.last_mut().expect("a record was just added");
        deserializer.deserialize_any(RecordVisitor(record))
    }
}

/// Fills one record; an element that is not an object stays a record of no source.
struct RecordVisitor<'r, 'de>(&'r mut RecordFields<'de>);

impl<'de> Visitor<'de> for RecordVisitor<'_, 'de> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a record")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let record = self.0;
        while let Some(key) = map.next_key::<Text<'de>>()? {
            let malformed = &mut record.malformed;
            match key.as_str() {
                "eventSource" | "EventSource" => {
                    next_lenient(&mut map, &mut record.event_source, "eventSource", malformed)?;
                }
                "eventSourceARN" => {
                    next_lenient(
                        &mut map,
                        &mut record.event_source_arn,
                        "eventSourceARN",
                        malformed,
                    )?;
                }
                "awsRegion" => next_lenient(&mut map, &mut record.aws_region, "awsRegion", malformed)?,
                "eventID" => next_lenient(&mut map, &mut record.event_id, "eventID", malformed)?,
                "eventName" => next_lenient(&mut map, &mut record.event_name, "eventName", malformed)?,
                "eventTime" => next_lenient(&mut map, &mut record.event_time, "eventTime", malformed)?,
                "userIdentity" => record.user_identity = Some(map.next_value()?),
                "messageId" => next_sqs_text(&mut map, record, "messageId", |sqs| &mut sqs.message_id)?,
                "receiptHandle" => {
                    next_sqs_text(&mut map, record, "receiptHandle", |sqs| &mut sqs.receipt_handle)?;
                }
                "body" => next_sqs_text(&mut map, record, "body", |sqs| &mut sqs.body)?,
                "md5OfBody" => next_sqs_text(&mut map, record, "md5OfBody", |sqs| &mut sqs.md5_of_body)?,
                "md5OfMessageAttributes" => {
                    next_sqs_text(&mut map, record, "md5OfMessageAttributes", |sqs| {
                        &mut sqs.md5_of_message_attributes
                    })?
                }
                "attributes" => next_sqs_raw(&mut map, record, |sqs| &mut sqs.attributes)?,
                "messageAttributes" => next_sqs_raw(&mut map, record, |sqs| &mut sqs.message_attributes)?,
                "kinesis" => next_source(&mut map, record, "kinesis", SourceFields::Kinesis)?,
                "dynamodb" => next_source(&mut map, record, "dynamodb", SourceFields::DynamoDb)?,
                "Sns" => next_source(&mut map, record, "Sns", |sns| SourceFields::Sns(Box::new(sns)))?,
                "s3" => record.source.set(Some(SourceFields::S3(map.next_value()?))),
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        // A malformed field of the source's own part names the record malformed too.
        let nested = match &record.source {
            SourceFields::Kinesis(kinesis) => kinesis.malformed,
            SourceFields::DynamoDb(dynamodb) => dynamodb.malformed,
            SourceFields::Sns(sns) => sns.malformed,
            SourceFields::None | SourceFields::Sqs(_) | SourceFields::S3(_) => None,
        };
        if record.malformed.is_none() {
            record.malformed = nested;
        }
        Ok(())
    }

    fn visit_seq<A: de::SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(())
    }

    scalars_answer!(());
}

/// The record's SQS fields, made so if the record is no source's yet; `None` when it
/// is another source's.
fn sqs_fields<'r, 'de>(source: &'r mut SourceFields<'de>) -> Option<&'r mut SqsFields<'de>> {
    if let SourceFields::None = source {
        *source = SourceFields::Sqs(SqsFields::default());
    }
    match source {
        SourceFields::Sqs(sqs) => Some(sqs),
        _ => None,
    }
}

/// Reads the value of an SQS record's text field into `field` of the record's SQS
/// fields, leniently; skips it when the record is another source's.
fn next_sqs_text<'de, A: MapAccess<'de>>(
    map: &mut A,
    record: &mut RecordFields<'de>,
    name: &'static str,
    field: for<'s> fn(&'s mut SqsFields<'de>) -> &'s mut Option<Text<'de>>,
) -> Result<(), A::Error> {
    match sqs_fields(&mut record.source) {
        Some(sqs) => next_lenient(map, field(sqs), name, &mut record.malformed),
        None => map.next_value::<IgnoredAny>().map(drop),
    }
}

/// Reads the raw JSON of an SQS record's object field; skips it when the record is
/// another source's.
fn next_sqs_raw<'de, A: MapAccess<'de>>(
    map: &mut A,
    record: &mut RecordFields<'de>,
    field: for<'s> fn(&'s mut SqsFields<'de>) -> &'s mut Option<&'de RawValue>,
) -> Result<(), A::Error> {
    match sqs_fields(&mut record.source) {
        Some(sqs) => *field(sqs) = Some(map.next_value()?),
        None => {
            map.next_value::<IgnoredAny>()?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The records of a JSON array, read as the shape pass reads them.
    fn records(json: &str) -> Vec<RecordFields<'_>> {
        RecordsField { room: 1 }
            .deserialize(&mut serde_json::Deserializer::from_str(json))
            .unwrap()
            .expect("an array")
    }

    #[test]
    fn reads_the_fields_and_tolerates_anything() {
        let records = records(
            r#"[{"eventSource":"aws:sqs","messageId":"m-1","body":"{\"a\":1}","attributes":{"x":"1"},"other":[1]},
                 7, "text", null, [1, {"eventSource": "inner"}]]"#,
        );
        assert_eq!(records.len(), 5);
        assert_eq!(records[0].event_source.as_ref().unwrap().as_str(), "aws:sqs");
        let SourceFields::Sqs(sqs) = &records[0].source else {
            panic!("an SQS record: {:?}", records[0]);
        };
        assert_eq!(sqs.body.as_ref().unwrap().as_str(), r#"{"a":1}"#);
        assert_eq!(sqs.attributes.unwrap().get(), r#"{"x":"1"}"#);
        assert!(records[1..].iter().all(|record| record.event_source.is_none()));
    }

    /// Every record of a batch is held and moved as one of these before its handler
    /// runs: one source's fields, not all of them.
    #[test]
    fn a_record_holds_one_source_s_fields() {
        assert!(std::mem::size_of::<RecordFields<'_>>() <= 328);
        assert!(std::mem::size_of::<SourceFields<'_>>() <= 160);
    }

    #[test]
    fn sns_notifications_are_read_without_failing_on_any_shape() {
        let records = records(
            r#"[{"EventSource":"aws:sns","Sns":{"MessageId":"m-1","Message":"{\"a\":1}","Subject":null,
                  "TopicArn":"arn:t","MessageAttributes":{"k":{"Type":"String","Value":"v"}},"Signature":"x"}},
                 {"Sns":{"MessageId":"m-2","Subject":{"not":"text"},"Message":[1]}},
                 {"Sns":5}]"#,
        );
        fn sns<'r, 'a>(record: &'r RecordFields<'a>) -> &'r SnsFields<'a> {
            match &record.source {
                SourceFields::Sns(sns) => sns,
                other => panic!("an SNS record: {other:?}"),
            }
        }
        let first = sns(&records[0]);
        assert_eq!(first.malformed, None);
        assert_eq!(records[0].malformed, None);
        assert_eq!(first.message_id.as_ref().unwrap().as_str(), "m-1");
        assert_eq!(first.message.as_ref().unwrap().as_str(), r#"{"a":1}"#);
        assert!(first.subject.is_none());
        assert_eq!(
            first.message_attributes.unwrap().get(),
            r#"{"k":{"Type":"String","Value":"v"}}"#
        );
        assert_eq!(sns(&records[1]).message_id.as_ref().unwrap().as_str(), "m-2");
        assert_eq!(records[1].malformed, Some("Sns.Subject"));
        assert!(matches!(records[2].source, SourceFields::None));
        assert_eq!(records[2].malformed, Some("Sns"));
    }

    /// Each case: a record with one field of another type than its source's, and the
    /// path the record is then failed with.
    #[test]
    fn fields_of_the_wrong_type_mark_the_record_not_the_parse() {
        for (record, path) in [
            (r#"{"messageId":"m","body":5}"#, "body"),
            (r#"{"messageId":"m","body":{"a":1}}"#, "body"),
            (r#"{"messageId":"m","awsRegion":[]}"#, "awsRegion"),
            (r#"{"messageId":"m","eventSource":7}"#, "eventSource"),
            (r#"{"messageId":"m","receiptHandle":["r"]}"#, "receiptHandle"),
            (r#"{"kinesis":{"sequenceNumber":"1","data":42}}"#, "kinesis.data"),
            (r#"{"kinesis":"oops"}"#, "kinesis"),
            (
                r#"{"dynamodb":{"SequenceNumber":"1","SizeBytes":"big"}}"#,
                "dynamodb.SizeBytes",
            ),
            (r#"{"dynamodb":5}"#, "dynamodb"),
            (r#"{"awsRegion":[],"eventSource":"aws:kinesis"}"#, "awsRegion"),
        ] {
            let json = format!("[{record}]");
            let records = records(&json);
            assert_eq!(records[0].malformed, Some(path), "{record}");
        }
        let records = records(r#"[{"messageId":"m","messageId":"n","body":"b"}]"#);
        let SourceFields::Sqs(sqs) = &records[0].source else {
            panic!("an SQS record");
        };
        assert_eq!(
            sqs.message_id.as_ref().unwrap().as_str(),
            "n",
            "the last of a repeated key"
        );
        assert_eq!(records[0].malformed, None);
    }
}
