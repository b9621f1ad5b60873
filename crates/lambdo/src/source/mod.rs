//! Event sources: which one an event belongs to, and the handlers for each.

mod invoke;
mod records;
mod shape;
mod slice;

pub use invoke::IntoInvokeResponse;
pub(crate) use invoke::InvokeSource;
pub(crate) use records::{RecordFields, SourceFields};
pub(crate) use shape::EventShape;
pub(crate) use slice::{range_in, raw_range, Slice};
