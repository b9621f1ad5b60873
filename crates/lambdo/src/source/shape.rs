//! One pass over an event tells which source sent it and collects what that source
//! needs.
//!
//! The visitor reads the top-level keys; values that belong to a known source's event
//! are decoded on the spot (borrowing strings from the event bytes), every other value
//! is skipped without being built. An HTTP event is therefore parsed exactly once.

use std::{borrow::Cow, fmt};

use super::records::{RecordFields, RecordsField};
use crate::{
    http::{HttpEvent, HttpFields, HttpPayload, NotHttp},
    text::{Lenient, Text},
    Error,
};
use serde::{
    de::{self, IgnoredAny, MapAccess, Visitor},
    Deserialize, Deserializer,
};

/// What an event is, as far as telling its source apart goes.
#[derive(Debug)]
pub(crate) enum EventShape<'a> {
    /// An HTTP event from API Gateway, ALB or a Function URL. Boxed: the shape is moved
    /// several times on its way out of the parse, and one allocation costs less than
    /// copying ~400 bytes each time (for every source, HTTP too).
    Http(Box<HttpEvent<'a>>),
    /// A batch of records (SQS, SNS, S3, DynamoDB Streams, Kinesis).
    Records(Vec<RecordFields<'a>>),
    /// An EventBridge event (a rule's target, a schedule…): its routing fields.
    EventBridge {
        /// `source`.
        source: Text<'a>,
        /// `detail-type`.
        detail_type: Text<'a>,
        /// `id`, for logs.
        id: Option<Text<'a>>,
    },
    /// A JSON object that no known source sends: its first keys, and what kept it from
    /// being a known source's event if it nearly is one, for error messages.
    OtherObject {
        keys: Vec<String>,
        near_miss: Option<String>,
    },
    /// A JSON value that is not an object (`"text"`, `[..]`, `42`, `null`…).
    NotObject(&'static str),
}

impl<'a> EventShape<'a> {
    /// Reads `bytes`; fails only when they are not JSON.
    pub(crate) fn parse(bytes: &'a [u8]) -> Result<EventShape<'a>, Error> {
        // One UTF-8 check of the whole event, so that the parse need not check each
        // string it borrows (JSON is UTF-8: other bytes are not JSON).
        let Ok(text) = std::str::from_utf8(bytes) else {
            let error = serde_json::from_slice::<IgnoredAny>(bytes)
                .err()
                .unwrap_or_else(|| de::Error::custom("the event is not UTF-8"));
            return Err(Error::InvalidJson(error));
        };
        let mut de = serde_json::Deserializer::from_str(text);
        // Room for as many records as a batch of this size may hold (the smallest
        // records are a few hundred bytes): the records vector is then filled without
        // growing, which would copy every record read so far each time.
        let records_room = (bytes.len() / 1024 + 1).min(MAX_RECORDS_ROOM);
        let shape = de
            .deserialize_any(ShapeVisitor { records_room })
            .map_err(Error::InvalidJson)?;
        de.end().map_err(Error::InvalidJson)?;
        if let EventShape::OtherObject { keys, near_miss } = shape {
            // Only events that no source takes need their keys, for the error message:
            // read them in a second pass rather than collect them for every event.
            let KeyList(keys) = serde_json::from_slice(bytes).unwrap_or(KeyList(keys));
            return Ok(EventShape::OtherObject { keys, near_miss });
        }
        Ok(shape)
    }

    /// A short description of the event for "no source accepts this" errors.
    pub(crate) fn describe(&self) -> String {
        self.to_string()
    }
}

impl fmt::Display for EventShape<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EventShape::Http(event) => match event.payload() {
                HttpPayload::RestV1 => f.write_str("an API Gateway REST (v1) HTTP event"),
                HttpPayload::HttpV2 => f.write_str("an API Gateway HTTP API (v2) or Function URL HTTP event"),
                HttpPayload::Alb => f.write_str("an ALB HTTP event"),
            },
            EventShape::Records(records) => {
                match records.first().and_then(|first| first.event_source.as_ref()) {
                    Some(source) => write!(f, "a batch of {} `{}` records", records.len(), source.as_str()),
                    None if records.is_empty() => f.write_str("an empty batch of records"),
                    None => write!(f, "a batch of {} records of no known source", records.len()),
                }
            }
            EventShape::EventBridge {
                source, detail_type, ..
            } => write!(
                f,
                "an EventBridge event (source `{}`, detail-type `{}`)",
                source.as_str(),
                detail_type.as_str()
            ),
            EventShape::OtherObject { keys, near_miss } => {
                if keys.is_empty() {
                    f.write_str("an empty JSON object")?;
                } else {
                    write!(f, "a JSON object with keys [{}", keys.join(", "))?;
                    if keys.len() == MAX_KEYS_DESCRIBED {
                        f.write_str(", …")?;
                    }
                    f.write_str("]")?;
                }
                match near_miss {
                    Some(why) => write!(f, " (shaped like an HTTP event, but {why})"),
                    None => Ok(()),
                }
            }
            EventShape::NotObject(kind) => write!(f, "a JSON {kind}"),
        }
    }
}

const MAX_KEYS_DESCRIBED: usize = 8;

/// Lambda's largest batches (Kinesis, DynamoDB Streams, SQS with a batching window).
const MAX_RECORDS_ROOM: usize = 10_000;

/// The first keys of a JSON object.
struct KeyList(Vec<String>);

impl<'de> Deserialize<'de> for KeyList {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct KeysVisitor;

        impl<'de> Visitor<'de> for KeysVisitor {
            type Value = KeyList;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a JSON object")
            }

            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<KeyList, A::Error> {
                let mut keys = Vec::new();
                while let Some(Text(key)) = map.next_key::<Text<'de>>()? {
                    map.next_value::<IgnoredAny>()?;
                    if keys.len() < MAX_KEYS_DESCRIBED {
                        keys.push(Cow::into_owned(key));
                    }
                }
                Ok(KeyList(keys))
            }
        }

        deserializer.deserialize_map(KeysVisitor)
    }
}

struct ShapeVisitor {
    /// How many records to make room for, should the event be a batch.
    records_room: usize,
}

impl<'de> Visitor<'de> for ShapeVisitor {
    type Value = EventShape<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON event")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<EventShape<'de>, A::Error> {
        let mut http = HttpFields::default();
        let mut records = None;
        let (mut source, mut detail_type, mut id, mut has_detail) = (None, None, None, false);
        while let Some(key) = map.next_key::<Text<'de>>()? {
            match key.as_str() {
                "Records" => {
                    records = map.next_value_seed(RecordsField {
                        room: self.records_room,
                    })?;
                }
                // EventBridge's envelope; `detail` is the handler's to read. Any event may
                // have these keys, with values of any type: only strings are
                // EventBridge's.
                "source" => source = map.next_value::<Lenient<Text<'de>>>()?.value(),
                "detail-type" => detail_type = map.next_value::<Lenient<Text<'de>>>()?.value(),
                "id" => id = map.next_value::<Lenient<Text<'de>>>()?.value(),
                "detail" => {
                    map.next_value::<IgnoredAny>()?;
                    has_detail = true;
                }
                other => {
                    if !http.take(other, &mut map)? {
                        map.next_value::<IgnoredAny>()?;
                    }
                }
            }
        }
        let http = match http.into_event() {
            Ok(event) => return Ok(EventShape::Http(Box::new(event))),
            Err(NotHttp::Malformed(why)) => Some(why),
            Err(NotHttp::Other) => None,
        };
        Ok(match (records, source, detail_type) {
            (Some(records), _, _) => EventShape::Records(records),
            (None, Some(source), Some(detail_type)) if has_detail => EventShape::EventBridge {
                source,
                detail_type,
                id,
            },
            _ => EventShape::OtherObject {
                keys: Vec::new(),
                near_miss: http,
            },
        })
    }

    fn visit_seq<A: de::SeqAccess<'de>>(self, mut seq: A) -> Result<EventShape<'de>, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(EventShape::NotObject("array"))
    }

    fn visit_str<E: de::Error>(self, _: &str) -> Result<EventShape<'de>, E> {
        Ok(EventShape::NotObject("string"))
    }

    fn visit_bool<E: de::Error>(self, _: bool) -> Result<EventShape<'de>, E> {
        Ok(EventShape::NotObject("boolean"))
    }

    fn visit_i64<E: de::Error>(self, _: i64) -> Result<EventShape<'de>, E> {
        Ok(EventShape::NotObject("number"))
    }

    fn visit_u64<E: de::Error>(self, _: u64) -> Result<EventShape<'de>, E> {
        Ok(EventShape::NotObject("number"))
    }

    fn visit_f64<E: de::Error>(self, _: f64) -> Result<EventShape<'de>, E> {
        Ok(EventShape::NotObject("number"))
    }

    fn visit_unit<E: de::Error>(self) -> Result<EventShape<'de>, E> {
        Ok(EventShape::NotObject("null"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn payload_of(bytes: &[u8]) -> Option<HttpPayload> {
        match EventShape::parse(bytes).unwrap() {
            EventShape::Http(event) => Some(event.payload()),
            _ => None,
        }
    }

    #[test]
    fn tells_http_payloads_apart() {
        let v2 = br#"{"version":"2.0","routeKey":"$default","rawPath":"/","requestContext":{"http":{"method":"GET"}}}"#;
        assert_eq!(payload_of(v2), Some(HttpPayload::HttpV2));
        let v1 = br#"{"resource":"/","path":"/","httpMethod":"GET","requestContext":{"stage":"prod"}}"#;
        assert_eq!(payload_of(v1), Some(HttpPayload::RestV1));
        let alb = br#"{"requestContext":{"elb":{"targetGroupArn":"arn"}},"httpMethod":"GET","path":"/"}"#;
        assert_eq!(payload_of(alb), Some(HttpPayload::Alb));
    }

    #[test]
    fn a_body_that_mentions_http_keys_is_not_http() {
        let event = br#"{"order":{"httpMethod":"GET","requestContext":{"elb":1}},"version":"2.0"}"#;
        assert_eq!(payload_of(event), None);
        assert_eq!(
            EventShape::parse(event).unwrap().describe(),
            "a JSON object with keys [order, version]"
        );
    }

    #[test]
    fn describes_what_arrived() {
        assert_eq!(EventShape::parse(b"[1,2]").unwrap().describe(), "a JSON array");
        assert_eq!(EventShape::parse(br#""hi""#).unwrap().describe(), "a JSON string");
        assert_eq!(
            EventShape::parse(br#"{"Records":[],"x":{"y":1}}"#)
                .unwrap()
                .describe(),
            "an empty batch of records"
        );
        assert_eq!(
            EventShape::parse(br#"{"Records":[{"eventSource":"aws:s3"}]}"#)
                .unwrap()
                .describe(),
            "a batch of 1 `aws:s3` records"
        );
        // `Records` that is not an array belongs to some other event.
        for other in [
            &br#"{"Records":{"a":[1]},"x":1}"#[..],
            br#"{"Records":"many","x":1}"#,
        ] {
            assert_eq!(
                EventShape::parse(other).unwrap().describe(),
                "a JSON object with keys [Records, x]"
            );
        }
        assert_eq!(
            EventShape::parse(b"{").unwrap_err().error_type(),
            "Lambdo.InvalidEvent"
        );
    }
}
