//! [`Value`]: one JSON value of an event, as the one pass over the event hands it to the
//! sources that read it.
//!
//! A source reads a value in whatever form it needs, as the parse reaches it: text
//! borrowed from the event, a number, the raw JSON, or an object or array entry by
//! entry. Nothing is built that no source asked for, and nothing fails on valid JSON: a
//! value of another type than the one asked for is [`Field::WrongType`].

use std::{borrow::Cow, fmt};

use serde::{
    de::{DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor},
    Deserialize, Deserializer,
};
use serde_json::value::RawValue;

use crate::text::{Field, Scalar, Text};

/// Why the one pass over an event stopped: the event is not JSON. Sources pass it on
/// (`?`) from the [`Value`] methods; lambdo answers `Lambdo.InvalidEvent`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReadError(String);

impl fmt::Display for ReadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ReadError {}

impl ReadError {
    fn of(error: impl fmt::Display) -> Self {
        ReadError(error.to_string())
    }

    /// Back into the error of the deserializer the pass runs on.
    pub(crate) fn into_de<E: serde::de::Error>(self) -> E {
        E::custom(self.0)
    }
}

/// One JSON value of an event, to be read once, in the form the source needs; a value
/// left unread is skipped. `'e` is the event's lifetime: text borrows from it.
///
/// ```
/// use lambdo::source::{Field, Value};
///
/// /// `{"kind": "…", "tags": […]}`: the kind, and how many tags.
/// fn read(value: Value<'_, '_>) -> Result<(Option<String>, usize), lambdo::source::ReadError> {
///     let (mut kind, mut tags) = (None, 0);
///     value.object(|key, value| {
///         match key {
///             "kind" => kind = value.text()?.value().map(|text| text.into_owned()),
///             "tags" => {
///                 value.array(|_| {
///                     tags += 1;
///                     Ok(())
///                 })?;
///             }
///             _ => {}
///         }
///         Ok(())
///     })?;
///     Ok((kind, tags))
/// }
///
/// let read = lambdo::source::read_json(r#"{"kind":"order","tags":[1,2],"x":{}}"#, read).unwrap();
/// assert_eq!(read, (Some("order".to_owned()), 2));
/// ```
pub struct Value<'r, 'e> {
    read: &'r mut dyn ReadValue<'e>,
}

impl fmt::Debug for Value<'_, '_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Value")
    }
}

impl<'r, 'e> Value<'r, 'e> {
    /// A string, borrowed from the event unless it has escapes.
    pub fn text(self) -> Result<Field<Cow<'e, str>>, ReadError> {
        Ok(match self.read.text()? {
            Field::Value(Text(text)) => Field::Value(text),
            Field::Absent => Field::Absent,
            Field::WrongType => Field::WrongType,
        })
    }

    /// A string, as lambdo's own sources keep them.
    pub(crate) fn text_field(self) -> Result<Field<Text<'e>>, ReadError> {
        self.read.text()
    }

    /// A number (integers too).
    pub fn number(self) -> Result<Field<f64>, ReadError> {
        self.read.number()
    }

    /// An integer that fits an `i64`.
    pub fn integer(self) -> Result<Field<i64>, ReadError> {
        self.read.integer()
    }

    /// `true` or `false`.
    pub fn boolean(self) -> Result<Field<bool>, ReadError> {
        self.read.boolean()
    }

    /// The value's JSON text, whatever it is, as it is in the event (for parts a source
    /// keeps until a handler asks for them).
    pub fn raw(self) -> Result<&'e RawValue, ReadError> {
        self.read.raw()
    }

    /// The entries of an object, in order, each handed to `entry` with its key:
    /// `Field::Value(())` once they all were, else (and nothing handed over)
    /// `Field::Absent` for `null` and `Field::WrongType` for any other value.
    pub fn object(
        self,
        mut entry: impl FnMut(&str, Value<'_, 'e>) -> Result<(), ReadError>,
    ) -> Result<Field<()>, ReadError> {
        self.read
            .object(&mut |key: Text<'e>, value: Value<'_, 'e>| entry(key.as_str(), value))
    }

    /// [`Value::object`], the keys borrowed from the event where they have no escapes.
    pub(crate) fn entries(
        self,
        mut entry: impl FnMut(Text<'e>, Value<'_, 'e>) -> Result<(), ReadError>,
    ) -> Result<Field<()>, ReadError> {
        self.read.object(&mut entry)
    }

    /// An object whose values are strings (with `multi`, lists of strings): what HTTP
    /// events' headers and query parameters are. Read by one visitor rather than
    /// value by value: ~0.8 k instructions less for an ALB event of ten headers.
    pub(crate) fn string_map(self, multi: bool) -> Result<Field<StringMap<'e>>, ReadError> {
        self.read.string_map(multi)
    }

    /// The elements of an array, in order: `Field::Value(())` once they all were handed
    /// to `element`, else `Field::Absent` for `null` and `Field::WrongType` for any other
    /// value.
    pub fn array(
        self,
        mut element: impl FnMut(Value<'_, 'e>) -> Result<(), ReadError>,
    ) -> Result<Field<()>, ReadError> {
        self.read.array(&mut element)
    }

    /// Decodes the value into `T` with serde. The value is read twice (its extent,
    /// then `T`): for a value of a few fields that is fine; a source reads a large one
    /// with the methods above. `Ok(Err(..))` when it does not fit `T`.
    pub fn deserialize<T: Deserialize<'e>>(self) -> Result<Result<T, serde_json::Error>, ReadError> {
        Ok(serde_json::from_str(self.raw()?.get()))
    }
}

/// Reads `json` as the one pass would hand it to a source: for tests of a source's
/// reading, and for reading the same part of an event again.
///
/// ```
/// let text = lambdo::source::read_json(r#""hi""#, |value| value.text()).unwrap();
/// assert_eq!(text.value().as_deref(), Some("hi"));
/// ```
pub fn read_json<'e, T>(
    json: &'e str,
    read: impl FnOnce(Value<'_, 'e>) -> Result<T, ReadError>,
) -> Result<T, ReadError> {
    let mut de = serde_json::Deserializer::from_str(json);
    let value = offer(&mut de, read)?;
    de.end().map_err(ReadError::of)?;
    Ok(value)
}

/// Hands the value `deserializer` holds to `read`; skips it if `read` left it unread.
pub(crate) fn offer<'e, D, T>(
    deserializer: D,
    read: impl FnOnce(Value<'_, 'e>) -> Result<T, ReadError>,
) -> Result<T, ReadError>
where
    D: Deserializer<'e>,
{
    let mut value = DeValue(Some(deserializer));
    let result = read(Value { read: &mut value })?;
    value.skip()?;
    Ok(result)
}

/// Hands `raw`, a value of the event several sources read, to `read`: each reads it
/// from the raw JSON, and one that leaves it unread costs nothing.
pub(crate) fn offer_raw<'e, T>(
    raw: &'e RawValue,
    read: impl FnOnce(Value<'_, 'e>) -> Result<T, ReadError>,
) -> Result<T, ReadError> {
    read(Value {
        read: &mut RawRead(Some(raw)),
    })
}

/// A value already read as raw JSON.
struct RawRead<'e>(Option<&'e RawValue>);

impl<'e> RawRead<'e> {
    fn parsed<T>(
        &mut self,
        read: impl FnOnce(
            &mut DeValue<&mut serde_json::Deserializer<serde_json::de::StrRead<'e>>>,
        ) -> Result<T, ReadError>,
    ) -> Result<T, ReadError> {
        let raw = self
            .0
            .take()
            .ok_or_else(|| ReadError("a value of the event was read twice".to_owned()))?;
        let mut de = serde_json::Deserializer::from_str(raw.get());
        read(&mut DeValue(Some(&mut de)))
    }
}

impl<'e> ReadValue<'e> for RawRead<'e> {
    fn text(&mut self) -> Result<Field<Text<'e>>, ReadError> {
        self.parsed(|value| value.text())
    }

    fn number(&mut self) -> Result<Field<f64>, ReadError> {
        self.parsed(|value| value.number())
    }

    fn integer(&mut self) -> Result<Field<i64>, ReadError> {
        self.parsed(|value| value.integer())
    }

    fn boolean(&mut self) -> Result<Field<bool>, ReadError> {
        self.parsed(|value| value.boolean())
    }

    fn raw(&mut self) -> Result<&'e RawValue, ReadError> {
        self.0
            .take()
            .ok_or_else(|| ReadError("a value of the event was read twice".to_owned()))
    }

    fn object(&mut self, entry: &mut Entry<'_, 'e>) -> Result<Field<()>, ReadError> {
        self.parsed(|value| value.object(entry))
    }

    fn array(&mut self, element: &mut Element<'_, 'e>) -> Result<Field<()>, ReadError> {
        self.parsed(|value| value.array(element))
    }

    fn string_map(&mut self, multi: bool) -> Result<Field<StringMap<'e>>, ReadError> {
        self.parsed(|value| value.string_map(multi))
    }

    fn skip(&mut self) -> Result<(), ReadError> {
        Ok(())
    }
}

/// A [`DeserializeSeed`] that hands the value to `read` (see [`offer`]).
pub(crate) struct Offer<F>(pub(crate) F);

impl<'e, F, T> DeserializeSeed<'e> for Offer<F>
where
    F: FnOnce(Value<'_, 'e>) -> Result<T, ReadError>,
{
    type Value = T;

    fn deserialize<D: Deserializer<'e>>(self, deserializer: D) -> Result<T, D::Error> {
        offer(deserializer, self.0).map_err(ReadError::into_de)
    }
}

/// An object of strings (or lists of strings) as pairs, in order: a list gives one pair
/// per string.
#[derive(Debug, Default)]
pub(crate) struct StringMap<'e> {
    pub(crate) pairs: Vec<(Text<'e>, Text<'e>)>,
    /// The first key whose value is of another type.
    pub(crate) wrong: Option<String>,
}

/// What an object's entries are handed to.
type Entry<'f, 'e> = dyn FnMut(Text<'e>, Value<'_, 'e>) -> Result<(), ReadError> + 'f;

/// What an array's elements are handed to.
type Element<'f, 'e> = dyn FnMut(Value<'_, 'e>) -> Result<(), ReadError> + 'f;

/// How a [`Value`] reads: one implementation over any serde deserializer.
trait ReadValue<'e> {
    fn text(&mut self) -> Result<Field<Text<'e>>, ReadError>;
    fn number(&mut self) -> Result<Field<f64>, ReadError>;
    fn integer(&mut self) -> Result<Field<i64>, ReadError>;
    fn boolean(&mut self) -> Result<Field<bool>, ReadError>;
    fn raw(&mut self) -> Result<&'e RawValue, ReadError>;
    fn object(&mut self, entry: &mut Entry<'_, 'e>) -> Result<Field<()>, ReadError>;
    fn array(&mut self, element: &mut Element<'_, 'e>) -> Result<Field<()>, ReadError>;
    fn string_map(&mut self, multi: bool) -> Result<Field<StringMap<'e>>, ReadError>;
    fn skip(&mut self) -> Result<(), ReadError>;
}

/// A value still in its deserializer, until it is read.
struct DeValue<D>(Option<D>);

impl<'e, D: Deserializer<'e>> DeValue<D> {
    fn take(&mut self) -> Result<D, ReadError> {
        self.0
            .take()
            .ok_or_else(|| ReadError("a value of the event was read twice".to_owned()))
    }

    fn scalar<T: Scalar<'e>>(&mut self) -> Result<Field<T>, ReadError> {
        Field::<T>::deserialize(self.take()?).map_err(ReadError::of)
    }
}

impl<'e, D: Deserializer<'e>> ReadValue<'e> for DeValue<D> {
    fn text(&mut self) -> Result<Field<Text<'e>>, ReadError> {
        self.scalar()
    }

    fn number(&mut self) -> Result<Field<f64>, ReadError> {
        self.scalar()
    }

    fn integer(&mut self) -> Result<Field<i64>, ReadError> {
        self.scalar()
    }

    fn boolean(&mut self) -> Result<Field<bool>, ReadError> {
        self.scalar()
    }

    fn raw(&mut self) -> Result<&'e RawValue, ReadError> {
        <&'e RawValue>::deserialize(self.take()?).map_err(ReadError::of)
    }

    fn object(&mut self, entry: &mut Entry<'_, 'e>) -> Result<Field<()>, ReadError> {
        self.take()?
            .deserialize_any(Entries { entry })
            .map_err(ReadError::of)
    }

    fn array(&mut self, element: &mut Element<'_, 'e>) -> Result<Field<()>, ReadError> {
        self.take()?
            .deserialize_any(Elements { element })
            .map_err(ReadError::of)
    }

    fn string_map(&mut self, multi: bool) -> Result<Field<StringMap<'e>>, ReadError> {
        self.take()?
            .deserialize_any(StringMapVisitor { multi })
            .map_err(ReadError::of)
    }

    fn skip(&mut self) -> Result<(), ReadError> {
        match self.0.take() {
            Some(deserializer) => IgnoredAny::deserialize(deserializer)
                .map(drop)
                .map_err(ReadError::of),
            None => Ok(()),
        }
    }
}

/// Hands an object's entries over; anything else is skipped.
struct Entries<'f, 'g, 'e> {
    entry: &'f mut Entry<'g, 'e>,
}

impl<'e> Visitor<'e> for Entries<'_, '_, 'e> {
    type Value = Field<()>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_map<A: MapAccess<'e>>(self, mut map: A) -> Result<Field<()>, A::Error> {
        while let Some(key) = map.next_key::<Text<'e>>()? {
            map.next_value_seed(Offer(|value: Value<'_, 'e>| (self.entry)(key, value)))?;
        }
        Ok(Field::Value(()))
    }

    fn visit_seq<A: SeqAccess<'e>>(self, mut seq: A) -> Result<Field<()>, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(Field::WrongType)
    }

    scalars_are_not_containers!(Field::Absent, Field::WrongType);
}

/// Hands an array's elements over; anything else is skipped.
struct Elements<'f, 'g, 'e> {
    element: &'f mut Element<'g, 'e>,
}

impl<'e> Visitor<'e> for Elements<'_, '_, 'e> {
    type Value = Field<()>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_seq<A: SeqAccess<'e>>(self, mut seq: A) -> Result<Field<()>, A::Error> {
        while seq
            .next_element_seed(Offer(|value: Value<'_, 'e>| (self.element)(value)))?
            .is_some()
        {}
        Ok(Field::Value(()))
    }

    fn visit_map<A: MapAccess<'e>>(self, mut map: A) -> Result<Field<()>, A::Error> {
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(Field::WrongType)
    }

    scalars_are_not_containers!(Field::Absent, Field::WrongType);
}

/// Reads a [`StringMap`].
struct StringMapVisitor {
    multi: bool,
}

impl<'e> Visitor<'e> for StringMapVisitor {
    type Value = Field<StringMap<'e>>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_map<A: MapAccess<'e>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut strings = StringMap {
            pairs: Vec::with_capacity(map.size_hint().unwrap_or(16)),
            wrong: None,
        };
        while let Some(name) = map.next_key::<Text<'e>>()? {
            let fits = map.next_value_seed(PushStrings {
                name: &name,
                pairs: &mut strings.pairs,
                multi: self.multi,
            })?;
            if !fits && strings.wrong.is_none() {
                strings.wrong = Some(name.as_str().to_owned());
            }
        }
        Ok(Field::Value(strings))
    }

    fn visit_seq<A: SeqAccess<'e>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(Field::WrongType)
    }

    scalars_are_not_containers!(Field::Absent, Field::WrongType);
}

/// Pushes the string (with `multi`, each string of the list) of one entry; `false`
/// when the value is of another type. `null` is no value.
struct PushStrings<'p, 'e> {
    name: &'p Text<'e>,
    pairs: &'p mut Vec<(Text<'e>, Text<'e>)>,
    multi: bool,
}

impl<'e> DeserializeSeed<'e> for PushStrings<'_, 'e> {
    type Value = bool;

    fn deserialize<D: Deserializer<'e>>(self, deserializer: D) -> Result<bool, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'e> Visitor<'e> for PushStrings<'_, 'e> {
    type Value = bool;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_borrowed_str<E: serde::de::Error>(self, text: &'e str) -> Result<bool, E> {
        if !self.multi {
            self.pairs.push((self.name.clone(), Text(Cow::Borrowed(text))));
        }
        Ok(!self.multi)
    }

    fn visit_str<E: serde::de::Error>(self, text: &str) -> Result<bool, E> {
        if !self.multi {
            self.pairs
                .push((self.name.clone(), Text(Cow::Owned(text.to_owned()))));
        }
        Ok(!self.multi)
    }

    fn visit_unit<E: serde::de::Error>(self) -> Result<bool, E> {
        Ok(true)
    }

    fn visit_seq<A: SeqAccess<'e>>(self, mut seq: A) -> Result<bool, A::Error> {
        let mut fits = self.multi;
        while let Some(value) = seq.next_element::<Field<Text<'e>>>()? {
            match value {
                Field::Value(text) if self.multi => self.pairs.push((self.name.clone(), text)),
                _ => fits = false,
            }
        }
        Ok(fits)
    }

    fn visit_map<A: MapAccess<'e>>(self, mut map: A) -> Result<bool, A::Error> {
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(false)
    }

    numbers_answer!(false);
}

/// An error of the event's JSON: the pass stops.
impl From<serde_json::Error> for ReadError {
    fn from(error: serde_json::Error) -> Self {
        ReadError::of(error)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_form_of_a_value() {
        let text = read_json(r#""a\"b""#, |v| v.text()).unwrap();
        assert_eq!(text, Field::Value(Cow::Owned("a\"b".to_owned())));
        let borrowed = read_json(r#""ab""#, |v| v.text()).unwrap();
        assert!(matches!(borrowed, Field::Value(Cow::Borrowed("ab"))));
        assert_eq!(read_json("5", |v| v.text()).unwrap(), Field::WrongType);
        assert_eq!(read_json("null", |v| v.number()).unwrap(), Field::Absent);
        assert_eq!(read_json("-2", |v| v.integer()).unwrap(), Field::Value(-2));
        assert_eq!(read_json("true", |v| v.boolean()).unwrap(), Field::Value(true));
        assert_eq!(
            read_json(r#" {"a": [1]} "#, |v| v.raw().map(RawValue::get)).unwrap(),
            r#"{"a": [1]}"#
        );
        assert_eq!(
            read_json("[1]", |v| v.object(|_, _| Ok(()))).unwrap(),
            Field::WrongType
        );
        assert_eq!(
            read_json("null", |v| v.object(|_, _| Ok(()))).unwrap(),
            Field::Absent
        );
        assert_eq!(
            read_json("{}", |v| v.array(|_| Ok(()))).unwrap(),
            Field::WrongType
        );
        assert_eq!(
            read_json("[]", |v| v.array(|_| Ok(()))).unwrap(),
            Field::Value(())
        );
        let sum = read_json("[1, 2, [3], 4]", |value| {
            let mut sum = 0;
            value.array(|element| {
                sum += element.integer()?.value().unwrap_or(100);
                Ok(())
            })?;
            Ok(sum)
        });
        assert_eq!(sum.unwrap(), 107);
    }

    #[test]
    fn values_left_unread_are_skipped_and_bad_json_stops_the_pass() {
        let keys = read_json(r#"{"a": {"deep": [1, {"x": 2}]}, "b": 3}"#, |value| {
            let mut keys = Vec::new();
            value.object(|key, _unread| {
                keys.push(key.to_owned());
                Ok(())
            })?;
            Ok(keys)
        });
        assert_eq!(keys.unwrap(), ["a", "b"]);
        assert!(read_json(r#"{"a": [1,}"#, |value| value.object(|_, _| Ok(()))).is_err());
        assert!(read_json("1 2", |v| v.number()).is_err());
    }
}
