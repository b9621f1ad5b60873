//! One cheap pass over an event to tell which source sent it.
//!
//! The probe reads only the keys that tell sources apart and skips every value it does
//! not need, so detection costs a scan of the bytes, not a parse into any struct. The
//! chosen source then parses the event exactly once, straight into its own type.

use std::{borrow::Cow, fmt};

use serde::{
    de::{self, IgnoredAny, MapAccess, Visitor},
    Deserialize, Deserializer,
};

use crate::{http::HttpPayload, Error};

/// What an event looks like, as far as telling its source apart goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum EventShape {
    /// An HTTP event from API Gateway, ALB or a Function URL.
    Http(HttpPayload),
    /// A JSON object that no known source sends; its first keys, for error messages.
    OtherObject(Vec<String>),
    /// A JSON value that is not an object (`"text"`, `[..]`, `42`, `null`…).
    NotObject(&'static str),
}

impl EventShape {
    /// Probes `bytes`; fails only when they are not JSON.
    pub(crate) fn probe(bytes: &[u8]) -> Result<EventShape, Error> {
        let mut de = serde_json::Deserializer::from_slice(bytes);
        let shape = EventShape::deserialize(&mut de).map_err(Error::InvalidJson)?;
        de.end().map_err(Error::InvalidJson)?;
        Ok(shape)
    }

    /// A short description of the event for "no source accepts this" errors.
    pub(crate) fn describe(&self) -> String {
        self.to_string()
    }
}

impl fmt::Display for EventShape {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EventShape::Http(HttpPayload::RestV1) => f.write_str("an API Gateway REST (v1) HTTP event"),
            EventShape::Http(HttpPayload::HttpV2) => {
                f.write_str("an API Gateway HTTP API (v2) or Function URL HTTP event")
            }
            EventShape::Http(HttpPayload::Alb) => f.write_str("an ALB HTTP event"),
            EventShape::OtherObject(keys) if keys.is_empty() => f.write_str("an empty JSON object"),
            EventShape::OtherObject(keys) => {
                write!(f, "a JSON object with keys [{}", keys.join(", "))?;
                if keys.len() == MAX_KEYS_DESCRIBED {
                    f.write_str(", …")?;
                }
                f.write_str("]")
            }
            EventShape::NotObject(kind) => write!(f, "a JSON {kind}"),
        }
    }
}

const MAX_KEYS_DESCRIBED: usize = 8;

/// The keys of the top-level object that matter for detection.
#[derive(Default)]
struct TopLevel<'de> {
    version: Option<Cow<'de, str>>,
    http_method: bool,
    raw_path: bool,
    request_context: RequestContextProbe,
    keys: Vec<Cow<'de, str>>,
}

impl<'de> TopLevel<'de> {
    fn shape(self) -> EventShape {
        if self.request_context.elb && self.http_method {
            return EventShape::Http(HttpPayload::Alb);
        }
        if self.version.as_deref() == Some("2.0") && self.raw_path && self.request_context.http {
            return EventShape::Http(HttpPayload::HttpV2);
        }
        if self.http_method && self.request_context.present && !self.request_context.elb {
            return EventShape::Http(HttpPayload::RestV1);
        }
        EventShape::OtherObject(self.keys.into_iter().map(Cow::into_owned).collect())
    }
}

impl<'de> Deserialize<'de> for EventShape {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(ShapeVisitor)
    }
}

struct ShapeVisitor;

impl<'de> Visitor<'de> for ShapeVisitor {
    type Value = EventShape;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON event")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<EventShape, A::Error> {
        let mut top = TopLevel::default();
        while let Some(key) = map.next_key::<Cow<'de, str>>()? {
            match key.as_ref() {
                "version" => top.version = map.next_value::<Option<Cow<'de, str>>>()?,
                "httpMethod" => {
                    top.http_method = true;
                    map.next_value::<IgnoredAny>()?;
                }
                "rawPath" => {
                    top.raw_path = true;
                    map.next_value::<IgnoredAny>()?;
                }
                "requestContext" => top.request_context = map.next_value()?,
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
            if top.keys.len() < MAX_KEYS_DESCRIBED {
                top.keys.push(key);
            }
        }
        Ok(top.shape())
    }

    fn visit_seq<A: de::SeqAccess<'de>>(self, mut seq: A) -> Result<EventShape, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(EventShape::NotObject("array"))
    }

    fn visit_str<E: de::Error>(self, _: &str) -> Result<EventShape, E> {
        Ok(EventShape::NotObject("string"))
    }

    fn visit_bool<E: de::Error>(self, _: bool) -> Result<EventShape, E> {
        Ok(EventShape::NotObject("boolean"))
    }

    fn visit_i64<E: de::Error>(self, _: i64) -> Result<EventShape, E> {
        Ok(EventShape::NotObject("number"))
    }

    fn visit_u64<E: de::Error>(self, _: u64) -> Result<EventShape, E> {
        Ok(EventShape::NotObject("number"))
    }

    fn visit_f64<E: de::Error>(self, _: f64) -> Result<EventShape, E> {
        Ok(EventShape::NotObject("number"))
    }

    fn visit_unit<E: de::Error>(self) -> Result<EventShape, E> {
        Ok(EventShape::NotObject("null"))
    }
}

/// The keys of `requestContext` that tell HTTP payloads apart.
#[derive(Default)]
struct RequestContextProbe {
    present: bool,
    /// ALB: `requestContext.elb`.
    elb: bool,
    /// HTTP API v2 and Function URLs: `requestContext.http`.
    http: bool,
}

impl<'de> Deserialize<'de> for RequestContextProbe {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct ContextVisitor;

        impl<'de> Visitor<'de> for ContextVisitor {
            type Value = RequestContextProbe;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a request context object")
            }

            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut probe = RequestContextProbe {
                    present: true,
                    ..RequestContextProbe::default()
                };
                while let Some(key) = map.next_key::<Cow<'de, str>>()? {
                    match key.as_ref() {
                        "elb" => probe.elb = true,
                        "http" => probe.http = true,
                        _ => {}
                    }
                    map.next_value::<IgnoredAny>()?;
                }
                Ok(probe)
            }

            fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
                Ok(RequestContextProbe::default())
            }
        }

        deserializer.deserialize_any(ContextVisitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tells_http_payloads_apart() {
        let v2 = br#"{"version":"2.0","routeKey":"$default","rawPath":"/","requestContext":{"http":{"method":"GET"}}}"#;
        assert_eq!(
            EventShape::probe(v2).unwrap(),
            EventShape::Http(HttpPayload::HttpV2)
        );
        let v1 = br#"{"resource":"/","path":"/","httpMethod":"GET","requestContext":{"stage":"prod"}}"#;
        assert_eq!(
            EventShape::probe(v1).unwrap(),
            EventShape::Http(HttpPayload::RestV1)
        );
        let alb = br#"{"requestContext":{"elb":{"targetGroupArn":"arn"}},"httpMethod":"GET","path":"/"}"#;
        assert_eq!(
            EventShape::probe(alb).unwrap(),
            EventShape::Http(HttpPayload::Alb)
        );
    }

    #[test]
    fn a_body_that_mentions_http_keys_is_not_http() {
        let event = br#"{"order":{"httpMethod":"GET","requestContext":{"elb":1}},"version":"2.0"}"#;
        assert_eq!(
            EventShape::probe(event).unwrap(),
            EventShape::OtherObject(vec!["order".into(), "version".into()])
        );
    }

    #[test]
    fn describes_what_arrived() {
        assert_eq!(EventShape::probe(b"[1,2]").unwrap().describe(), "a JSON array");
        assert_eq!(EventShape::probe(br#""hi""#).unwrap().describe(), "a JSON string");
        assert_eq!(
            EventShape::probe(br#"{"Records":[],"x":{"y":1}}"#)
                .unwrap()
                .describe(),
            "a JSON object with keys [Records, x]"
        );
        assert_eq!(
            EventShape::probe(b"{").unwrap_err().error_type(),
            "Lambdo.InvalidEvent"
        );
    }
}
