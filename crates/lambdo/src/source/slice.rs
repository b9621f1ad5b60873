//! Strings of an event kept by position: a record outlives the parse that read it, so
//! what the parse borrowed is remembered as a range of the event's bytes.

use std::{borrow::Cow, ops::Range};

use serde_json::value::RawValue;

use crate::text::Text;

/// A string of the event: where it is in the event's bytes, or its unescaped copy.
/// Positions are `u32` (events are megabytes at most), which keeps a `Slice` at 16
/// bytes: records hold several and are moved a few times on their way to a handler.
#[derive(Debug, Clone)]
pub(crate) enum Slice {
    InEvent { start: u32, end: u32 },
    Owned(Box<str>),
}

impl Slice {
    pub(crate) fn new(event: &[u8], text: Text<'_>) -> Slice {
        match text.0 {
            Cow::Borrowed(text) => {
                let range = range_in(event, text).and_then(|range| {
                    Some((u32::try_from(range.start).ok()?, u32::try_from(range.end).ok()?))
                });
                match range {
                    Some((start, end)) => Slice::InEvent { start, end },
                    None => Slice::Owned(text.into()),
                }
            }
            Cow::Owned(text) => Slice::Owned(text.into_boxed_str()),
        }
    }

    /// Text made here, not read from the event.
    pub(crate) fn owned(text: String) -> Slice {
        Slice::Owned(text.into_boxed_str())
    }

    /// From an optional string: missing is empty.
    pub(crate) fn or_empty(event: &[u8], text: Option<Text<'_>>) -> Slice {
        text.map_or(Slice::Owned(Box::default()), |text| Slice::new(event, text))
    }

    pub(crate) fn get<'a>(&'a self, event: &'a [u8]) -> &'a str {
        match self {
            // The range was a `&str` of these very bytes.
            Slice::InEvent { start, end } => {
                std::str::from_utf8(&event[*start as usize..*end as usize]).unwrap_or_default()
            }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_slice_is_two_words() {
        assert_eq!(std::mem::size_of::<Slice>(), 16);
    }

    #[test]
    fn borrowed_text_is_kept_by_position_and_other_text_by_copy() {
        let event = br#"{"a":"first","b":"second"}"#;
        let text = std::str::from_utf8(event).unwrap();
        let borrowed = Slice::new(event, Text(Cow::Borrowed(&text[6..11])));
        assert!(matches!(borrowed, Slice::InEvent { start: 6, end: 11 }));
        assert_eq!(borrowed.get(event), "first");
        let elsewhere = Slice::new(event, Text(Cow::Borrowed("not in the event")));
        assert_eq!(elsewhere.get(event), "not in the event");
        let owned = Slice::new(event, Text(Cow::Owned("un\"escaped".to_owned())));
        assert_eq!(owned.get(event), "un\"escaped");
        assert_eq!(Slice::or_empty(event, None).non_empty(event), None);
    }
}
