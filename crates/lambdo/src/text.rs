//! Borrowed JSON strings: `Cow<str>`'s own `Deserialize` always allocates; this one
//! borrows from the event bytes unless the string has escapes. [`Values`] reads a string
//! (or a list of them) where an event of another shape may hold anything.

use std::{borrow::Cow, fmt};

use serde::{
    de::{self, IgnoredAny, MapAccess, Visitor},
    Deserialize, Deserializer,
};

/// A JSON string, borrowed from the input where possible.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Text<'a>(pub(crate) Cow<'a, str>);

impl<'a> Text<'a> {
    pub(crate) fn as_str(&self) -> &str {
        &self.0
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for Text<'a> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct TextVisitor<'a>(std::marker::PhantomData<&'a ()>);

        impl<'de: 'a, 'a> Visitor<'de> for TextVisitor<'a> {
            type Value = Text<'a>;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string")
            }

            fn visit_borrowed_str<E: de::Error>(self, text: &'de str) -> Result<Self::Value, E> {
                Ok(Text(Cow::Borrowed(text)))
            }

            fn visit_str<E: de::Error>(self, text: &str) -> Result<Self::Value, E> {
                Ok(Text(Cow::Owned(text.to_owned())))
            }

            fn visit_string<E: de::Error>(self, text: String) -> Result<Self::Value, E> {
                Ok(Text(Cow::Owned(text)))
            }
        }

        deserializer.deserialize_str(TextVisitor(std::marker::PhantomData))
    }
}

/// A value that should be a string (with `MULTI`, a list of strings), read without
/// failing when it is not: for events whose shape is not known yet.
pub(crate) enum Values<'a, const MULTI: bool> {
    One(Text<'a>),
    Many(Vec<Text<'a>>),
    /// `null`: no value.
    Absent,
    Malformed,
}

impl<'de, const MULTI: bool> Deserialize<'de> for Values<'de, MULTI> {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct ValuesVisitor<const MULTI: bool>;

        impl<const MULTI: bool> ValuesVisitor<MULTI> {
            fn text<'a>(text: Text<'a>) -> Values<'a, MULTI> {
                if MULTI {
                    Values::Malformed
                } else {
                    Values::One(text)
                }
            }
        }

        impl<'de, const MULTI: bool> serde::de::Visitor<'de> for ValuesVisitor<MULTI> {
            type Value = Values<'de, MULTI>;

            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("values")
            }

            fn visit_borrowed_str<E: serde::de::Error>(self, text: &'de str) -> Result<Self::Value, E> {
                Ok(Self::text(Text(Cow::Borrowed(text))))
            }

            fn visit_str<E: serde::de::Error>(self, text: &str) -> Result<Self::Value, E> {
                Ok(Self::text(Text(Cow::Owned(text.to_owned()))))
            }

            fn visit_unit<E: serde::de::Error>(self) -> Result<Self::Value, E> {
                Ok(Values::Absent)
            }

            fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                let mut values = Vec::with_capacity(seq.size_hint().unwrap_or(1));
                let mut malformed = !MULTI;
                while let Some(value) = seq.next_element::<Values<'de, false>>()? {
                    match value {
                        Values::One(value) => values.push(value),
                        _ => malformed = true,
                    }
                }
                Ok(if malformed {
                    Values::Malformed
                } else {
                    Values::Many(values)
                })
            }

            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
                Ok(Values::Malformed)
            }

            numbers_answer!(Values::Malformed);
        }

        deserializer.deserialize_any(ValuesVisitor::<MULTI>)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn borrows_unless_escaped() {
        let plain: Text<'_> = serde_json::from_str(r#""abc""#).unwrap();
        assert!(matches!(plain.0, Cow::Borrowed("abc")));
        let escaped: Text<'_> = serde_json::from_str(r#""a\nb""#).unwrap();
        assert!(matches!(escaped.0, Cow::Owned(ref s) if s == "a\nb"));
    }
}
