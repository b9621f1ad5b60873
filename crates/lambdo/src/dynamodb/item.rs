//! Items in DynamoDB's JSON (`{"id": {"S": "1"}, "n": {"N": "2"}}`) decoded into the
//! user's type in one pass over borrowed attributes.
//!
//! `serde_dynamo` decodes from its own `AttributeValue`: an item is first a `HashMap`
//! of owned keys and owned strings, then the user's type. Stream images are read once
//! and thrown away, so here an item is read into [`Attr`], whose strings borrow from
//! the event, and decoded from that with the same rules as `serde_dynamo` (numbers are
//! parsed for the type asked for, `NULL` is `None` or `()`, string sets are sequences,
//! an enum is a string or a single-key map, binary is base64).

use std::{borrow::Cow, fmt};

use base64::Engine;
use serde::de::{
    self, value::Error as DecodeError, DeserializeSeed, Deserializer, IntoDeserializer, MapAccess, SeqAccess,
    Visitor,
};

use crate::text::Text;

/// One attribute value, borrowed from the JSON it was read from where it has no escapes.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Attr<'a> {
    S(Cow<'a, str>),
    N(Cow<'a, str>),
    Bool(bool),
    Null,
    /// Binary, still base64 as the JSON carries it: decoded only when asked for.
    B(Cow<'a, str>),
    M(Vec<(Cow<'a, str>, Attr<'a>)>),
    /// Lists; the sets (`SS`, `NS`, `BS`) too, as lists of their members.
    L(Vec<Attr<'a>>),
}

/// An item: the top level of an image or of a record's keys.
pub(crate) struct Item<'a>(pub(crate) Vec<(Cow<'a, str>, Attr<'a>)>);

impl<'a> Item<'a> {
    /// The item as the attribute a decoder starts from.
    pub(crate) fn into_attr(self) -> Attr<'a> {
        Attr::M(self.0)
    }
}

impl<'de: 'a, 'a> de::Deserialize<'de> for Item<'a> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer
            .deserialize_map(EntriesVisitor(std::marker::PhantomData))
            .map(Item)
    }
}

/// `{"name": {"TYPE": value}, …}`, the entries in order.
struct EntriesVisitor<'a>(std::marker::PhantomData<&'a ()>);

impl<'de: 'a, 'a> Visitor<'de> for EntriesVisitor<'a> {
    type Value = Vec<(Cow<'a, str>, Attr<'a>)>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a map of attribute names to DynamoDB attribute values")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut entries = Vec::with_capacity(map.size_hint().unwrap_or(8));
        while let Some(Text(name)) = map.next_key::<Text<'a>>()? {
            entries.push((name, map.next_value::<Attr<'a>>()?));
        }
        Ok(entries)
    }
}

impl<'de: 'a, 'a> de::Deserialize<'de> for Attr<'a> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_map(AttrVisitor(std::marker::PhantomData))
    }
}

/// `{"TYPE": value}`: exactly one type key.
struct AttrVisitor<'a>(std::marker::PhantomData<&'a ()>);

const TYPES: &[&str] = &["S", "N", "BOOL", "NULL", "B", "M", "L", "SS", "NS", "BS"];

impl<'de: 'a, 'a> Visitor<'de> for AttrVisitor<'a> {
    type Value = Attr<'a>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a DynamoDB attribute value such as {\"S\": \"text\"}")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let Some(Text(kind)) = map.next_key::<Text<'de>>()? else {
            return Err(de::Error::invalid_length(0, &self));
        };
        let text = |map: &mut A| map.next_value::<Text<'a>>().map(|Text(text)| text);
        let members = |map: &mut A, member: fn(Cow<'a, str>) -> Attr<'a>| {
            map.next_value::<Vec<Text<'a>>>()
                .map(|texts| Attr::L(texts.into_iter().map(|Text(text)| member(text)).collect()))
        };
        let value = match &*kind {
            "S" => Attr::S(text(&mut map)?),
            "N" => Attr::N(text(&mut map)?),
            "B" => Attr::B(text(&mut map)?),
            "BOOL" => Attr::Bool(map.next_value()?),
            "NULL" => {
                map.next_value::<bool>()?;
                Attr::Null
            }
            "M" => Attr::M(map.next_value::<Item<'a>>()?.0),
            "L" => Attr::L(map.next_value()?),
            "SS" => members(&mut map, Attr::S)?,
            "NS" => members(&mut map, Attr::N)?,
            "BS" => members(&mut map, Attr::B)?,
            other => return Err(de::Error::unknown_variant(other, TYPES)),
        };
        if map.next_key::<de::IgnoredAny>()?.is_some() {
            return Err(de::Error::invalid_length(2, &self));
        }
        Ok(value)
    }
}

fn expected(what: &str, found: &Attr<'_>) -> DecodeError {
    let found = match found {
        Attr::S(_) => "a string (S)",
        Attr::N(_) => "a number (N)",
        Attr::Bool(_) => "a boolean (BOOL)",
        Attr::Null => "NULL",
        Attr::B(_) => "binary (B)",
        Attr::M(_) => "a map (M)",
        Attr::L(_) => "a list or set",
    };
    de::Error::custom(format_args!("expected {what}, found {found}"))
}

fn number<T: std::str::FromStr>(attr: Attr<'_>) -> Result<T, DecodeError>
where
    T::Err: fmt::Display,
{
    match attr {
        Attr::N(n) => n.parse().map_err(|err| {
            // The number itself is event data: not in the message.
            de::Error::custom(format_args!(
                "a number (N) that does not fit {}: {err}",
                std::any::type_name::<T>()
            ))
        }),
        other => Err(expected("a number (N)", &other)),
    }
}

macro_rules! numbers {
    ($($method:ident $visit:ident $ty:ty),* $(,)?) => {$(
        fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DecodeError> {
            visitor.$visit(number::<$ty>(self)?)
        }
    )*};
}

/// A binary (B) attribute's bytes.
fn decode_binary(text: &str) -> Result<Vec<u8>, DecodeError> {
    base64::engine::general_purpose::STANDARD
        .decode(text.as_bytes())
        .map_err(|err| {
            de::Error::custom(format_args!(
                "binary (B) that is {}",
                crate::redact::base64_error(&err)
            ))
        })
}

fn visit_text<'de, V: Visitor<'de>>(text: Cow<'de, str>, visitor: V) -> Result<V::Value, DecodeError> {
    match text {
        Cow::Borrowed(text) => visitor.visit_borrowed_str(text),
        Cow::Owned(text) => visitor.visit_string(text),
    }
}

impl<'de> Deserializer<'de> for Attr<'de> {
    type Error = DecodeError;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DecodeError> {
        match self {
            Attr::S(text) => visit_text(text, visitor),
            Attr::N(ref n) => {
                if let Ok(int) = n.parse::<i64>() {
                    visitor.visit_i64(int)
                } else if let Ok(int) = n.parse::<u64>() {
                    visitor.visit_u64(int)
                } else {
                    visitor.visit_f64(number(self)?)
                }
            }
            Attr::Bool(value) => visitor.visit_bool(value),
            Attr::Null => visitor.visit_unit(),
            // Self-describing targets (`serde_json::Value`) have no bytes: they get the
            // base64 text DynamoDB's JSON carries. Typed byte fields decode it.
            Attr::B(text) => visit_text(text, visitor),
            Attr::M(entries) => visitor.visit_map(Entries::new(entries)),
            Attr::L(items) => visitor.visit_seq(Items(items.into_iter())),
        }
    }

    numbers! {
        deserialize_i8 visit_i8 i8, deserialize_i16 visit_i16 i16,
        deserialize_i32 visit_i32 i32, deserialize_i64 visit_i64 i64,
        deserialize_i128 visit_i128 i128, deserialize_u8 visit_u8 u8,
        deserialize_u16 visit_u16 u16, deserialize_u32 visit_u32 u32,
        deserialize_u64 visit_u64 u64, deserialize_u128 visit_u128 u128,
        deserialize_f32 visit_f32 f32, deserialize_f64 visit_f64 f64,
    }

    fn deserialize_bool<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DecodeError> {
        match self {
            Attr::Bool(value) => visitor.visit_bool(value),
            other => Err(expected("a boolean (BOOL)", &other)),
        }
    }

    fn deserialize_char<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DecodeError> {
        let Attr::S(text) = self else {
            return Err(expected("a one-character string (S)", &self));
        };
        let mut chars = text.chars();
        match (chars.next(), chars.next()) {
            (Some(char), None) => visitor.visit_char(char),
            _ => Err(de::Error::invalid_length(text.chars().count(), &"one character")),
        }
    }

    fn deserialize_str<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DecodeError> {
        match self {
            Attr::S(text) => visit_text(text, visitor),
            other => Err(expected("a string (S)", &other)),
        }
    }

    fn deserialize_string<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DecodeError> {
        self.deserialize_str(visitor)
    }

    fn deserialize_identifier<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DecodeError> {
        self.deserialize_str(visitor)
    }

    fn deserialize_bytes<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DecodeError> {
        self.deserialize_byte_buf(visitor)
    }

    fn deserialize_byte_buf<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DecodeError> {
        match self {
            Attr::B(text) => visitor.visit_byte_buf(decode_binary(&text)?),
            other => Err(expected("binary (B)", &other)),
        }
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DecodeError> {
        match self {
            Attr::Null => visitor.visit_none(),
            other => visitor.visit_some(other),
        }
    }

    fn deserialize_unit<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DecodeError> {
        match self {
            Attr::Null => visitor.visit_unit(),
            other => Err(expected("NULL", &other)),
        }
    }

    fn deserialize_unit_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, DecodeError> {
        self.deserialize_unit(visitor)
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, DecodeError> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_seq<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DecodeError> {
        match self {
            Attr::L(items) => visitor.visit_seq(Items(items.into_iter())),
            // `Vec<u8>` asks for a sequence of bytes.
            Attr::B(text) => {
                let bytes = decode_binary(&text)?;
                visitor.visit_seq(de::value::SeqDeserializer::new(bytes.into_iter()))
            }
            other => Err(expected("a list (L) or a set", &other)),
        }
    }

    fn deserialize_tuple<V: Visitor<'de>>(self, _len: usize, visitor: V) -> Result<V::Value, DecodeError> {
        self.deserialize_seq(visitor)
    }

    fn deserialize_tuple_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _len: usize,
        visitor: V,
    ) -> Result<V::Value, DecodeError> {
        self.deserialize_seq(visitor)
    }

    fn deserialize_map<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DecodeError> {
        match self {
            Attr::M(entries) => visitor.visit_map(Entries::new(entries)),
            other => Err(expected("a map (M)", &other)),
        }
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, DecodeError> {
        match self {
            Attr::L(_) => self.deserialize_seq(visitor),
            other => other.deserialize_map(visitor),
        }
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, DecodeError> {
        match self {
            Attr::S(Cow::Borrowed(variant)) => visitor.visit_enum(variant.into_deserializer()),
            Attr::S(Cow::Owned(variant)) => visitor.visit_enum(variant.into_deserializer()),
            Attr::M(mut entries) if entries.len() == 1 => {
                let (variant, value) = entries.pop().expect("one entry");
                visitor.visit_enum(Variant { variant, value })
            }
            other => Err(expected(
                "an enum variant as a string (S) or a single-key map (M)",
                &other,
            )),
        }
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DecodeError> {
        visitor.visit_unit()
    }
}

/// A map's entries, handed out name then value.
struct Entries<'a> {
    entries: std::vec::IntoIter<(Cow<'a, str>, Attr<'a>)>,
    value: Option<Attr<'a>>,
}

impl<'a> Entries<'a> {
    fn new(entries: Vec<(Cow<'a, str>, Attr<'a>)>) -> Self {
        Entries {
            entries: entries.into_iter(),
            value: None,
        }
    }
}

impl<'de> MapAccess<'de> for Entries<'de> {
    type Error = DecodeError;

    fn next_key_seed<K: DeserializeSeed<'de>>(&mut self, seed: K) -> Result<Option<K::Value>, DecodeError> {
        let Some((name, value)) = self.entries.next() else {
            return Ok(None);
        };
        self.value = Some(value);
        seed.deserialize(Attr::S(name)).map(Some)
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, DecodeError> {
        let value = self
            .value
            .take()
            .ok_or_else(|| de::Error::custom("a map value was asked for before its name"))?;
        seed.deserialize(value)
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.entries.len())
    }
}

/// A list's (or set's) members.
struct Items<'a>(std::vec::IntoIter<Attr<'a>>);

impl<'de> SeqAccess<'de> for Items<'de> {
    type Error = DecodeError;

    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, DecodeError> {
        self.0.next().map(|item| seed.deserialize(item)).transpose()
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.0.len())
    }
}

/// An enum written as `{"Variant": value}`.
struct Variant<'a> {
    variant: Cow<'a, str>,
    value: Attr<'a>,
}

impl<'de> de::EnumAccess<'de> for Variant<'de> {
    type Error = DecodeError;
    type Variant = Attr<'de>;

    fn variant_seed<V: DeserializeSeed<'de>>(self, seed: V) -> Result<(V::Value, Attr<'de>), DecodeError> {
        let variant = seed.deserialize(Attr::S(self.variant))?;
        Ok((variant, self.value))
    }
}

impl<'de> de::VariantAccess<'de> for Attr<'de> {
    type Error = DecodeError;

    fn unit_variant(self) -> Result<(), DecodeError> {
        match self {
            Attr::Null => Ok(()),
            other => Err(expected("NULL for a unit variant", &other)),
        }
    }

    fn newtype_variant_seed<T: DeserializeSeed<'de>>(self, seed: T) -> Result<T::Value, DecodeError> {
        seed.deserialize(self)
    }

    fn tuple_variant<V: Visitor<'de>>(self, _len: usize, visitor: V) -> Result<V::Value, DecodeError> {
        self.deserialize_seq(visitor)
    }

    fn struct_variant<V: Visitor<'de>>(
        self,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, DecodeError> {
        self.deserialize_map(visitor)
    }
}

#[cfg(test)]
mod tests {
    use std::collections::{BTreeSet, HashMap};

    use serde::Deserialize;
    use serde_dynamo::AttributeValue;

    use super::*;

    /// Decodes `json` (an item in DynamoDB's JSON) both ways: here and with serde_dynamo.
    fn both<T: for<'de> Deserialize<'de>>(json: &str) -> (Result<T, String>, Result<T, String>) {
        let item: Item<'_> = serde_json::from_str(json).expect("an item");
        let ours = T::deserialize(item.into_attr()).map_err(|err| err.to_string());
        let item: HashMap<String, AttributeValue> = serde_json::from_str(json).expect("an item");
        let theirs = serde_dynamo::from_item(item).map_err(|err| err.to_string());
        (ours, theirs)
    }

    #[derive(Debug, PartialEq, Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct Order {
        id: String,
        quantity: u32,
        price: f64,
        balance: i64,
        paid: bool,
        note: Option<String>,
        gift: Option<String>,
        tags: BTreeSet<String>,
        sizes: Vec<u16>,
        lines: Vec<Line>,
        address: HashMap<String, String>,
        status: Status,
        payment: Payment,
        blob: serde_json::Value,
        #[serde(with = "serde_bytes_like")]
        signature: Vec<u8>,
        unit: (),
    }

    #[derive(Debug, PartialEq, Deserialize)]
    struct Line(String, u8);

    #[derive(Debug, PartialEq, Deserialize)]
    enum Status {
        Open,
        Closed,
    }

    #[derive(Debug, PartialEq, Deserialize)]
    enum Payment {
        Card { last4: String },
        Cash(u32),
    }

    /// `Vec<u8>` from binary, as `serde_bytes` would read it.
    mod serde_bytes_like {
        pub(super) fn deserialize<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<u8>, D::Error> {
            struct Bytes;
            impl serde::de::Visitor<'_> for Bytes {
                type Value = Vec<u8>;
                fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                    f.write_str("bytes")
                }
                fn visit_bytes<E>(self, bytes: &[u8]) -> Result<Vec<u8>, E> {
                    Ok(bytes.to_vec())
                }
            }
            d.deserialize_byte_buf(Bytes)
        }
    }

    const ORDER: &str = r#"{
        "id": {"S": "o-1 \"quoted\""},
        "quantity": {"N": "3"},
        "price": {"N": "12.5"},
        "balance": {"N": "-40"},
        "paid": {"BOOL": true},
        "note": {"NULL": true},
        "gift": {"S": "wrap it"},
        "tags": {"SS": ["b", "a"]},
        "sizes": {"NS": ["1", "20"]},
        "lines": {"L": [{"L": [{"S": "sku-1"}, {"N": "2"}]}]},
        "address": {"M": {"city": {"S": "Graz"}, "zip": {"S": "8010"}}},
        "status": {"S": "Closed"},
        "payment": {"M": {"Card": {"M": {"last4": {"S": "4242"}}}}},
        "blob": {"M": {"n": {"N": "1.5"}, "big": {"N": "18446744073709551615"}, "l": {"L": [{"BOOL": false}, {"NULL": true}]}}},
        "signature": {"B": "AAEC"},
        "unit": {"NULL": true}
    }"#;

    #[test]
    fn decodes_every_attribute_type_as_serde_dynamo_does() {
        let (ours, theirs) = both::<Order>(ORDER);
        let ours = ours.unwrap();
        assert_eq!(ours.id, "o-1 \"quoted\"");
        assert_eq!(ours.signature, [0, 1, 2]);
        assert_eq!(ours.blob["big"], u64::MAX);
        assert_eq!(Ok(ours), theirs);

        let (ours, theirs) = both::<Payment>(r#"{"Cash": {"N": "20"}}"#);
        assert_eq!(ours, Ok(Payment::Cash(20)));
        assert_eq!(ours, theirs);
    }

    #[test]
    fn mismatches_fail_as_with_serde_dynamo() {
        #[derive(Debug, Deserialize)]
        #[allow(dead_code)]
        struct Narrow {
            quantity: u8,
        }
        for json in [
            r#"{"quantity": {"S": "3"}}"#,
            r#"{"quantity": {"N": "300"}}"#,
            r#"{"quantity": {"N": "x"}}"#,
            r#"{"other": {"N": "1"}}"#,
        ] {
            let (ours, theirs) = both::<Narrow>(json);
            assert!(ours.is_err() && theirs.is_err(), "{json}: {ours:?} / {theirs:?}");
        }
        let (ours, _) = both::<Narrow>(r#"{"quantity": {"S": "3"}}"#);
        assert_eq!(ours.unwrap_err(), "expected a number (N), found a string (S)");
    }

    #[test]
    fn binary_is_base64_text_for_self_describing_targets_and_bytes_for_typed_ones() {
        #[derive(Debug, PartialEq, Deserialize)]
        struct Blob {
            #[serde(with = "serde_bytes_like")]
            buffer: Vec<u8>,
            plain: Vec<u8>,
            set: Vec<Vec<u8>>,
        }
        let json = r#"{"buffer": {"B": "AAEC"}, "plain": {"B": "AwQ="}, "set": {"BS": ["AA==", "/w=="]}}"#;
        let item: Item<'_> = serde_json::from_str(json).unwrap();
        let blob = Blob::deserialize(item.into_attr()).unwrap();
        assert_eq!(
            blob,
            Blob {
                buffer: vec![0, 1, 2],
                plain: vec![3, 4],
                set: vec![vec![0], vec![255]]
            }
        );
        let item: Item<'_> = serde_json::from_str(json).unwrap();
        let loose = serde_json::Value::deserialize(item.into_attr()).unwrap();
        assert_eq!(
            loose,
            serde_json::json!({"buffer": "AAEC", "plain": "AwQ=", "set": ["AA==", "/w=="]})
        );
        let item: Item<'_> = serde_json::from_str(r#"{"plain": {"B": "not base64!"}}"#).unwrap();
        #[derive(Debug, Deserialize)]
        #[allow(dead_code)]
        struct Plain {
            plain: Vec<u8>,
        }
        let error = Plain::deserialize(item.into_attr()).unwrap_err();
        assert!(error.to_string().contains("not base64"), "{error}");
    }

    #[test]
    fn strings_borrow_from_the_json() {
        #[derive(Deserialize)]
        struct Borrowed<'a> {
            id: &'a str,
        }
        let item: Item<'_> = serde_json::from_str(r#"{"id": {"S": "o-1"}}"#).unwrap();
        let borrowed = Borrowed::deserialize(item.into_attr()).unwrap();
        assert_eq!(borrowed.id, "o-1");
    }

    #[test]
    fn malformed_attribute_values_are_json_errors() {
        for json in [
            r#"{"a": {}}"#,
            r#"{"a": {"S": "x", "N": "1"}}"#,
            r#"{"a": {"X": 1}}"#,
            r#"{"a": {"S": 1}}"#,
            r#"{"a": "plain"}"#,
        ] {
            assert!(serde_json::from_str::<Item<'_>>(json).is_err(), "{json}");
        }
    }
}
