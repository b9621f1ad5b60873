//! Event sources: which one an event belongs to, and the handlers for each.

mod invoke;
mod shape;

pub use invoke::IntoInvokeResponse;
pub(crate) use invoke::InvokeSource;
pub(crate) use shape::{record_source, EventShape};
