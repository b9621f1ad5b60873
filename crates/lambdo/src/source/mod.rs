//! Event sources: which one an event belongs to, and the handlers for each.

/// Visitor methods that answer `$value` for every JSON scalar (string, boolean,
/// number, null): for values that may be anything and matter only as objects or arrays.
macro_rules! scalars_answer {
    ($value:expr) => {
        fn visit_str<E: serde::de::Error>(self, _: &str) -> Result<Self::Value, E> {
            Ok($value)
        }

        fn visit_bool<E: serde::de::Error>(self, _: bool) -> Result<Self::Value, E> {
            Ok($value)
        }

        fn visit_i64<E: serde::de::Error>(self, _: i64) -> Result<Self::Value, E> {
            Ok($value)
        }

        fn visit_u64<E: serde::de::Error>(self, _: u64) -> Result<Self::Value, E> {
            Ok($value)
        }

        fn visit_f64<E: serde::de::Error>(self, _: f64) -> Result<Self::Value, E> {
            Ok($value)
        }

        fn visit_unit<E: serde::de::Error>(self) -> Result<Self::Value, E> {
            Ok($value)
        }
    };
}

mod invoke;
mod records;
mod shape;
mod slice;

pub use invoke::IntoInvokeResponse;
pub(crate) use invoke::InvokeSource;
pub(crate) use records::RecordFields;
pub(crate) use shape::EventShape;
pub(crate) use slice::{range_in, raw_range, Slice};
