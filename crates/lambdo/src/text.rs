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

/// A field read where the event may turn out to be of another shape, or malformed:
/// its value, nothing (missing or `null`), or `Malformed` (a value of another type).
/// Reading one never fails on valid JSON.
#[derive(Debug, Default)]
pub(crate) enum Lenient<T> {
    #[default]
    Absent,
    Value(T),
    Malformed,
}

impl<T> Lenient<T> {
    /// The value, if the field held one of the right type.
    pub(crate) fn value(self) -> Option<T> {
        match self {
            Lenient::Value(value) => Some(value),
            Lenient::Absent | Lenient::Malformed => None,
        }
    }
}

/// Reads the next value of `map` into `slot`, leniently: a value of another type leaves
/// `slot` empty and names `field` in `malformed` (the first such field is kept).
pub(crate) fn next_lenient<'de, A, T>(
    map: &mut A,
    slot: &mut Option<T>,
    field: &'static str,
    malformed: &mut Option<&'static str>,
) -> Result<(), A::Error>
where
    A: MapAccess<'de>,
    Lenient<T>: Deserialize<'de>,
{
    *slot = match map.next_value::<Lenient<T>>()? {
        Lenient::Value(value) => Some(value),
        Lenient::Absent => None,
        Lenient::Malformed => {
            malformed.get_or_insert(field);
            None
        }
    };
    Ok(())
}

/// The JSON scalars a lenient field may want; the rest of the JSON values are
/// `Malformed` for it.
pub(crate) trait Scalar<'de>: Sized {
    const EXPECTING: &'static str;

    fn from_text(_text: Text<'de>) -> Option<Self> {
        None
    }

    fn from_f64(_number: f64) -> Option<Self> {
        None
    }

    fn from_i64(_number: i64) -> Option<Self> {
        None
    }

    fn from_u64(_number: u64) -> Option<Self> {
        None
    }

    fn from_bool(_value: bool) -> Option<Self> {
        None
    }
}

impl<'de> Scalar<'de> for Text<'de> {
    const EXPECTING: &'static str = "a string";

    fn from_text(text: Text<'de>) -> Option<Self> {
        Some(text)
    }
}

impl Scalar<'_> for bool {
    const EXPECTING: &'static str = "a boolean";

    fn from_bool(value: bool) -> Option<Self> {
        Some(value)
    }
}

impl Scalar<'_> for f64 {
    const EXPECTING: &'static str = "a number";

    fn from_f64(number: f64) -> Option<Self> {
        Some(number)
    }

    fn from_i64(number: i64) -> Option<Self> {
        Some(number as f64)
    }

    fn from_u64(number: u64) -> Option<Self> {
        Some(number as f64)
    }
}

impl Scalar<'_> for i64 {
    const EXPECTING: &'static str = "an integer";

    fn from_i64(number: i64) -> Option<Self> {
        Some(number)
    }

    fn from_u64(number: u64) -> Option<Self> {
        i64::try_from(number).ok()
    }
}

impl<'de, T: Scalar<'de>> Deserialize<'de> for Lenient<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct LenientVisitor<T>(std::marker::PhantomData<T>);

        fn found<T>(value: Option<T>) -> Lenient<T> {
            value.map_or(Lenient::Malformed, Lenient::Value)
        }

        impl<'de, T: Scalar<'de>> Visitor<'de> for LenientVisitor<T> {
            type Value = Lenient<T>;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(T::EXPECTING)
            }

            fn visit_borrowed_str<E: de::Error>(self, text: &'de str) -> Result<Self::Value, E> {
                Ok(found(T::from_text(Text(Cow::Borrowed(text)))))
            }

            fn visit_str<E: de::Error>(self, text: &str) -> Result<Self::Value, E> {
                Ok(found(T::from_text(Text(Cow::Owned(text.to_owned())))))
            }

            fn visit_bool<E: de::Error>(self, value: bool) -> Result<Self::Value, E> {
                Ok(found(T::from_bool(value)))
            }

            fn visit_i64<E: de::Error>(self, number: i64) -> Result<Self::Value, E> {
                Ok(found(T::from_i64(number)))
            }

            fn visit_u64<E: de::Error>(self, number: u64) -> Result<Self::Value, E> {
                Ok(found(T::from_u64(number)))
            }

            fn visit_f64<E: de::Error>(self, number: f64) -> Result<Self::Value, E> {
                Ok(found(T::from_f64(number)))
            }

            fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
                Ok(Lenient::Absent)
            }

            fn visit_seq<A: de::SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                while seq.next_element::<IgnoredAny>()?.is_some() {}
                Ok(Lenient::Malformed)
            }

            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
                Ok(Lenient::Malformed)
            }
        }

        deserializer.deserialize_any(LenientVisitor(std::marker::PhantomData))
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

    #[test]
    fn lenient_fields_take_any_json_value() {
        fn text(json: &str) -> Option<String> {
            match serde_json::from_str::<Lenient<Text<'_>>>(json).unwrap() {
                Lenient::Value(text) => Some(text.as_str().to_owned()),
                Lenient::Absent => Some("<absent>".to_owned()),
                Lenient::Malformed => None,
            }
        }
        assert_eq!(text(r#""a\"b""#).as_deref(), Some("a\"b"));
        assert_eq!(text("null").as_deref(), Some("<absent>"));
        for other in ["5", "-1.5", "true", "[1,[2]]", r#"{"a":{"b":[]}}"#] {
            assert_eq!(text(other), None, "{other}");
        }
        let number = |json| serde_json::from_str::<Lenient<f64>>(json).unwrap().value();
        assert_eq!(number("3"), Some(3.0));
        assert_eq!(number(r#""3""#), None);
        let integer = |json| serde_json::from_str::<Lenient<i64>>(json).unwrap().value();
        assert_eq!(integer("-3"), Some(-3));
        assert_eq!(integer("1.5"), None);
        assert_eq!(integer("18446744073709551615"), None);
        let flag = |json| serde_json::from_str::<Lenient<bool>>(json).unwrap().value();
        assert_eq!(flag("true"), Some(true));
        assert_eq!(flag(r#""true""#), None);
    }
}
