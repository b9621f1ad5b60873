//! Borrowed JSON strings: `Cow<str>`'s own `Deserialize` always allocates; this one
//! borrows from the event bytes unless the string has escapes. [`Field`] reads a scalar
//! where an event of another shape may hold anything.

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

/// A field of an event as a source reads it, where the event may turn out to be of
/// another shape, or malformed: its value, nothing (missing or `null`), or a value of
/// another type. Reading one never fails on valid JSON.
///
/// ```
/// use lambdo::source::Field;
///
/// let id: Field<u32> = Field::WrongType;
/// assert_eq!(id.value(), None);
/// assert!(Field::Value(3).value().is_some());
/// ```
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub enum Field<T> {
    /// Missing, or `null`.
    #[default]
    Absent,
    /// A value of the type asked for.
    Value(T),
    /// A value of another type.
    WrongType,
}

impl<T> Field<T> {
    /// Keeps the value in `slot`, or nothing; a value of the wrong type names `field`
    /// in `malformed` (the first such field is kept).
    pub(crate) fn store(
        self,
        slot: &mut Option<T>,
        field: &'static str,
        malformed: &mut Option<&'static str>,
    ) {
        *slot = match self {
            Field::Value(value) => Some(value),
            Field::Absent => None,
            Field::WrongType => {
                malformed.get_or_insert(field);
                None
            }
        };
    }

    /// Names `field` in `malformed` if the value has the wrong type.
    pub(crate) fn check(self, field: &'static str, malformed: &mut Option<&'static str>) {
        if let Field::WrongType = self {
            malformed.get_or_insert(field);
        }
    }

    /// The value, if the field held one of the type asked for.
    pub fn value(self) -> Option<T> {
        match self {
            Field::Value(value) => Some(value),
            Field::Absent | Field::WrongType => None,
        }
    }
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

impl<'de, T: Scalar<'de>> Deserialize<'de> for Field<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct LenientVisitor<T>(std::marker::PhantomData<T>);

        fn found<T>(value: Option<T>) -> Field<T> {
            value.map_or(Field::WrongType, Field::Value)
        }

        impl<'de, T: Scalar<'de>> Visitor<'de> for LenientVisitor<T> {
            type Value = Field<T>;

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
                Ok(Field::Absent)
            }

            fn visit_seq<A: de::SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                while seq.next_element::<IgnoredAny>()?.is_some() {}
                Ok(Field::WrongType)
            }

            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
                Ok(Field::WrongType)
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
            match serde_json::from_str::<Field<Text<'_>>>(json).unwrap() {
                Field::Value(text) => Some(text.as_str().to_owned()),
                Field::Absent => Some("<absent>".to_owned()),
                Field::WrongType => None,
            }
        }
        assert_eq!(text(r#""a\"b""#).as_deref(), Some("a\"b"));
        assert_eq!(text("null").as_deref(), Some("<absent>"));
        for other in ["5", "-1.5", "true", "[1,[2]]", r#"{"a":{"b":[]}}"#] {
            assert_eq!(text(other), None, "{other}");
        }
        let number = |json| serde_json::from_str::<Field<f64>>(json).unwrap().value();
        assert_eq!(number("3"), Some(3.0));
        assert_eq!(number(r#""3""#), None);
        let integer = |json| serde_json::from_str::<Field<i64>>(json).unwrap().value();
        assert_eq!(integer("-3"), Some(-3));
        assert_eq!(integer("1.5"), None);
        assert_eq!(integer("18446744073709551615"), None);
        let flag = |json| serde_json::from_str::<Field<bool>>(json).unwrap().value();
        assert_eq!(flag("true"), Some(true));
        assert_eq!(flag(r#""true""#), None);
    }
}
