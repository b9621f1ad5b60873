//! The records of a `Records` batch, read in the same pass that tells the event's
//! source: each record's fields that some source uses are borrowed from the event
//! bytes (strings without escapes are not copied), nested parts are kept as raw JSON
//! until a handler asks for them, and everything else is skipped unbuilt.

use std::fmt;

use serde::{
    de::{self, IgnoredAny, MapAccess, Visitor},
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
    pub(crate) sqs: SqsFields<'a>,
    pub(crate) kinesis: Option<KinesisFields<'a>>,
    pub(crate) dynamodb: Option<DynamoDbFields<'a>>,
    /// Who made a DynamoDB change (time to live, for one); raw.
    pub(crate) user_identity: Option<&'a RawValue>,
    /// SNS's notification, read here: its text fields are what its records are made of.
    /// Boxed: inline, it would make every other source's records larger to move.
    pub(crate) sns: Option<Box<SnsFields<'a>>>,
    /// S3's notification: small, read from the raw JSON when its record is made.
    pub(crate) s3: Option<&'a RawValue>,
    pub(crate) event_time: Option<Text<'a>>,
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

impl<'de> Deserialize<'de> for RecordFields<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(RecordVisitor)
    }
}

struct RecordVisitor;

impl<'de> Visitor<'de> for RecordVisitor {
    type Value = RecordFields<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a record")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut record = RecordFields::default();
        while let Some(key) = map.next_key::<Text<'de>>()? {
            match key.as_str() {
                "eventSource" | "EventSource" => record.event_source = map.next_value()?,
                "eventSourceARN" => record.event_source_arn = map.next_value()?,
                "awsRegion" => record.aws_region = map.next_value()?,
                "messageId" => record.sqs.message_id = map.next_value()?,
                "receiptHandle" => record.sqs.receipt_handle = map.next_value()?,
                "body" => record.sqs.body = map.next_value()?,
                "md5OfBody" => record.sqs.md5_of_body = map.next_value()?,
                "md5OfMessageAttributes" => record.sqs.md5_of_message_attributes = map.next_value()?,
                "attributes" => record.sqs.attributes = map.next_value()?,
                "messageAttributes" => record.sqs.message_attributes = map.next_value()?,
                "eventID" => record.event_id = map.next_value()?,
                "eventName" => record.event_name = map.next_value()?,
                "kinesis" => record.kinesis = map.next_value()?,
                "dynamodb" => record.dynamodb = map.next_value()?,
                "userIdentity" => record.user_identity = map.next_value()?,
                "Sns" => record.sns = map.next_value()?,
                "s3" => record.s3 = map.next_value()?,
                "eventTime" => record.event_time = map.next_value()?,
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(record)
    }

    // A record that is not an object belongs to no source; it is still one record.
    fn visit_seq<A: de::SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(RecordFields::default())
    }

    scalars_answer!(RecordFields::default());
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_fields_and_tolerates_anything() {
        let records: Vec<RecordFields<'_>> = serde_json::from_str(
            r#"[{"eventSource":"aws:sqs","messageId":"m-1","body":"{\"a\":1}","attributes":{"x":"1"},"other":[1]},
                 7, "text", null, [1, {"eventSource": "inner"}]]"#,
        )
        .unwrap();
        assert_eq!(records.len(), 5);
        assert_eq!(records[0].event_source.as_ref().unwrap().as_str(), "aws:sqs");
        assert_eq!(records[0].sqs.body.as_ref().unwrap().as_str(), r#"{"a":1}"#);
        assert_eq!(records[0].sqs.attributes.unwrap().get(), r#"{"x":"1"}"#);
        assert!(records[1..].iter().all(|record| record.event_source.is_none()));
    }

    #[test]
    fn sns_notifications_are_read_without_failing_on_any_shape() {
        let records: Vec<RecordFields<'_>> = serde_json::from_str(
            r#"[{"EventSource":"aws:sns","Sns":{"MessageId":"m-1","Message":"{\"a\":1}","Subject":null,
                  "TopicArn":"arn:t","MessageAttributes":{"k":{"Type":"String","Value":"v"}},"Signature":"x"}},
                 {"Sns":{"MessageId":"m-2","Subject":{"not":"text"},"Message":[1]}},
                 {"Sns":5}]"#,
        )
        .unwrap();
        let sns = records[0].sns.as_ref().unwrap();
        assert!(!sns.malformed);
        assert_eq!(sns.message_id.as_ref().unwrap().as_str(), "m-1");
        assert_eq!(sns.message.as_ref().unwrap().as_str(), r#"{"a":1}"#);
        assert!(sns.subject.is_none());
        assert_eq!(
            sns.message_attributes.unwrap().get(),
            r#"{"k":{"Type":"String","Value":"v"}}"#
        );
        assert!(records[1].sns.as_ref().unwrap().malformed);
        assert!(records[2].sns.as_ref().unwrap().malformed);
    }
}
