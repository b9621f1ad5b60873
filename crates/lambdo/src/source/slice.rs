//! Strings of an event kept by position: a record outlives the parse that read it, so
//! what the parse borrowed is remembered as a range of the event's bytes.

use std::{borrow::Cow, ops::Range};

use serde_json::value::RawValue;

use crate::text::Text;

/// A string of the event: where it is in the event's bytes, or its unescaped copy.
#[derive(Debug, Clone)]
pub(crate) enum Slice {
    InEvent(Range<usize>),
    Owned(Box<str>),
}

impl Slice {
    pub(crate) fn new(event: &[u8], text: Text<'_>) -> Slice {
        match text.0 {
            Cow::Borrowed(text) => match range_in(event, text) {
                Some(range) => Slice::InEvent(range),
                None => Slice::Owned(text.into()),
            },
            Cow::Owned(text) => Slice::Owned(text.into_boxed_str()),
        }
    }

    /// From an optional string: missing is empty.
    pub(crate) fn or_empty(event: &[u8], text: Option<Text<'_>>) -> Slice {
        text.map_or(Slice::Owned(Box::default()), |text| Slice::new(event, text))
    }

    pub(crate) fn get<'a>(&'a self, event: &'a [u8]) -> &'a str {
        match self {
            // The range was a `&str` of these very bytes.
            Slice::InEvent(range) => std::str::from_utf8(&event[range.clone()]).unwrap_or_default(),
            Slice::Owned(text) => text,
        }
    }

    /// The text, owned, or `None` when it is empty (as `aws_lambda_events` models
    /// fields that were missing).
    pub(crate) fn non_empty(&self, event: &[u8]) -> Option<String> {
        Some(self.get(event).to_owned()).filter(|text| !text.is_empty())
    }
}

/// Where `part`, a slice of `event`, sits in it.
pub(crate) fn range_in(event: &[u8], part: &str) -> Option<Range<usize>> {
    let start = (part.as_ptr() as usize).checked_sub(event.as_ptr() as usize)?;
    let end = start + part.len();
    (end <= event.len()).then_some(start..end)
}

/// Where the raw JSON `raw`, a part of `event`, sits in it.
pub(crate) fn raw_range(event: &[u8], raw: Option<&RawValue>) -> Option<Range<usize>> {
    range_in(event, raw?.get())
}
