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

use crate::text::{Text, Values};

/// One record, as far as lambdo reads it up front.
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

/// The `kinesis` object of a Kinesis record.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct KinesisFields<'a> {
    #[serde(borrow, default)]
    pub(crate) partition_key: Option<Text<'a>>,
    #[serde(borrow, default)]
    pub(crate) sequence_number: Option<Text<'a>>,
    #[serde(borrow, default)]
    pub(crate) data: Option<Text<'a>>,
    #[serde(default)]
    pub(crate) approximate_arrival_timestamp: Option<f64>,
}

/// The `dynamodb` object of a DynamoDB Streams record; the images stay raw until a
/// handler decodes them.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct DynamoDbFields<'a> {
    #[serde(borrow, default)]
    pub(crate) keys: Option<&'a RawValue>,
    #[serde(borrow, default)]
    pub(crate) new_image: Option<&'a RawValue>,
    #[serde(borrow, default)]
    pub(crate) old_image: Option<&'a RawValue>,
    #[serde(borrow, default)]
    pub(crate) sequence_number: Option<Text<'a>>,
    #[serde(default)]
    pub(crate) size_bytes: Option<i64>,
    #[serde(borrow, default)]
    pub(crate) stream_view_type: Option<Text<'a>>,
    #[serde(default)]
    pub(crate) approximate_creation_date_time: Option<f64>,
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

/// The `Sns` object of an SNS record. Reading it never fails the shape pass (any event
/// may have a `Sns` key): a field of the wrong type marks it malformed, and its record
/// then fails alone.
#[derive(Debug, Default)]
pub(crate) struct SnsFields<'a> {
    pub(crate) message: Option<Text<'a>>,
    pub(crate) message_id: Option<Text<'a>>,
    pub(crate) topic_arn: Option<Text<'a>>,
    pub(crate) subject: Option<Text<'a>>,
    pub(crate) timestamp: Option<Text<'a>>,
    pub(crate) message_attributes: Option<&'a RawValue>,
    pub(crate) malformed: bool,
}

impl<'de> Deserialize<'de> for SnsFields<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct SnsVisitor;

        impl<'de> Visitor<'de> for SnsVisitor {
            type Value = SnsFields<'de>;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an SNS notification")
            }

            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut sns = SnsFields::default();
                while let Some(key) = map.next_key::<Text<'de>>()? {
                    let field = match key.as_str() {
                        "Message" => &mut sns.message,
                        "MessageId" => &mut sns.message_id,
                        "TopicArn" => &mut sns.topic_arn,
                        "Subject" => &mut sns.subject,
                        "Timestamp" => &mut sns.timestamp,
                        "MessageAttributes" => {
                            sns.message_attributes = Some(map.next_value()?);
                            continue;
                        }
                        _ => {
                            map.next_value::<IgnoredAny>()?;
                            continue;
                        }
                    };
                    match map.next_value::<Values<'de, false>>()? {
                        Values::One(text) => *field = Some(text),
                        Values::Absent => {}
                        Values::Many(_) | Values::Malformed => sns.malformed = true,
                    }
                }
                Ok(sns)
            }

            fn visit_seq<A: de::SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                while seq.next_element::<IgnoredAny>()?.is_some() {}
                Ok(SnsFields {
                    malformed: true,
                    ..SnsFields::default()
                })
            }

            scalars_answer!(SnsFields {
                malformed: true,
                ..SnsFields::default()
            });
        }

        deserializer.deserialize_any(SnsVisitor)
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
            let source = &mut record.source;
            match key.as_str() {
                "eventSource" | "EventSource" => record.event_source = map.next_value()?,
                "eventSourceARN" => record.event_source_arn = map.next_value()?,
                "awsRegion" => record.aws_region = map.next_value()?,
                "messageId" => next_sqs(&mut map, source, |sqs| &mut sqs.message_id)?,
                "receiptHandle" => next_sqs(&mut map, source, |sqs| &mut sqs.receipt_handle)?,
                "body" => next_sqs(&mut map, source, |sqs| &mut sqs.body)?,
                "md5OfBody" => next_sqs(&mut map, source, |sqs| &mut sqs.md5_of_body)?,
                "md5OfMessageAttributes" => {
                    next_sqs(&mut map, source, |sqs| &mut sqs.md5_of_message_attributes)?;
                }
                "attributes" => next_sqs(&mut map, source, |sqs| &mut sqs.attributes)?,
                "messageAttributes" => next_sqs(&mut map, source, |sqs| &mut sqs.message_attributes)?,
                "eventID" => record.event_id = map.next_value()?,
                "eventName" => record.event_name = map.next_value()?,
                "kinesis" => source.set(map.next_value::<Option<_>>()?.map(SourceFields::Kinesis)),
                "dynamodb" => source.set(map.next_value::<Option<_>>()?.map(SourceFields::DynamoDb)),
                "userIdentity" => record.user_identity = map.next_value()?,
                "Sns" => source.set(map.next_value::<Option<_>>()?.map(SourceFields::Sns)),
                "s3" => source.set(map.next_value::<Option<_>>()?.map(SourceFields::S3)),
                "eventTime" => record.event_time = map.next_value()?,
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(())
    }

    fn visit_seq<A: de::SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(())
    }

    scalars_answer!(());
}

/// Reads the value of an SQS record's field into `field` of the record's SQS fields;
/// skips it when the record is another source's.
fn next_sqs<'de, A, T>(
    map: &mut A,
    source: &mut SourceFields<'de>,
    field: for<'s> fn(&'s mut SqsFields<'de>) -> &'s mut T,
) -> Result<(), A::Error>
where
    A: MapAccess<'de>,
    T: Deserialize<'de>,
{
    if let SourceFields::None = source {
        *source = SourceFields::Sqs(SqsFields::default());
    }
    match source {
        SourceFields::Sqs(sqs) => *field(sqs) = map.next_value()?,
        _ => {
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
        assert!(std::mem::size_of::<RecordFields<'_>>() <= 320);
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
        assert!(!first.malformed);
        assert_eq!(first.message_id.as_ref().unwrap().as_str(), "m-1");
        assert_eq!(first.message.as_ref().unwrap().as_str(), r#"{"a":1}"#);
        assert!(first.subject.is_none());
        assert_eq!(
            first.message_attributes.unwrap().get(),
            r#"{"k":{"Type":"String","Value":"v"}}"#
        );
        assert!(sns(&records[1]).malformed);
        assert!(sns(&records[2]).malformed);
    }
}
