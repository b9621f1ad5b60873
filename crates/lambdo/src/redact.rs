//! What lambdo shows of an event in logs, error messages and problem responses: JSON
//! paths, expected types and the *kind* of value found, never the value itself (event
//! values can be card numbers, tokens, personal data).
//!
//! serde's messages quote the value they refused (`invalid type: string "4111…",
//! expected u32`). Every error lambdo makes from decoding an event into a user's (or
//! `aws_lambda_events`') type goes through [`serde_error`], which keeps serde's message
//! with the values taken out: `invalid type: string, expected u32`. Messages of serde's
//! known forms keep everything but the value; a message of any other form (a type's own
//! `Deserialize` check, which may quote anything) is replaced as a whole.
//!
//! For debugging, `LAMBDO_LOG_EVENT_VALUES=1` (or `true`) brings serde's messages back
//! unchanged. lambdo's own messages never carry event values and are not touched.

use std::borrow::Cow;

/// The variable that brings values back into messages.
pub const SHOW_VALUES: &str = "LAMBDO_LOG_EVENT_VALUES";

/// What replaces a message of a form that may quote anything.
const HIDDEN: &str = "the value does not fit its type (its type's own message is not shown, \
                      as it may quote the value; LAMBDO_LOG_EVENT_VALUES=1 shows it)";

/// Whether messages may quote event values (read on each error: errors are rare, and
/// the setting can then change with the environment).
pub fn values_shown() -> bool {
    std::env::var(SHOW_VALUES).is_ok_and(|value| matches!(value.trim(), "1" | "true" | "TRUE" | "True"))
}

/// `error` as lambdo keeps it: a data error's message without the value it quotes
/// (serde's position, `at line 1 column 9`, stays). Syntax errors quote nothing.
///
/// ```
/// let error = serde_json::from_str::<u32>(r#""4111-1111""#).unwrap_err();
/// # if !lambdo::redact::values_shown() {
/// assert_eq!(
///     lambdo::redact::serde_error(error).to_string(),
///     "invalid type: string, expected u32 at line 1 column 11"
/// );
/// # }
/// ```
pub fn serde_error(error: serde_json::Error) -> serde_json::Error {
    if !error.is_data() || values_shown() {
        return error;
    }
    let text = error.to_string();
    let (message, position) = split_position(&text);
    serde::de::Error::custom(format_args!("{}{position}", without_values(message)))
}

/// A serde message (of any format's deserializer: `serde_dynamo`, `serde_json`…) as
/// lambdo shows it.
///
/// ```
/// # if !lambdo::redact::values_shown() {
/// assert_eq!(
///     lambdo::redact::message(r#"invalid value: integer `4111`, expected u8"#),
///     "invalid value: integer, expected u8"
/// );
/// assert_eq!(lambdo::redact::message("missing field `id`"), "missing field `id`");
/// # }
/// ```
pub fn message(text: &str) -> Cow<'_, str> {
    if values_shown() {
        return Cow::Borrowed(text);
    }
    let (message, position) = split_position(text);
    let shown = without_values(message);
    if shown == message {
        Cow::Borrowed(text)
    } else {
        Cow::Owned(format!("{shown}{position}"))
    }
}

/// serde_json's ` at line L column C`, split off its message.
fn split_position(text: &str) -> (&str, &str) {
    let Some(at) = text.rfind(" at line ") else {
        return (text, "");
    };
    let rest = &text[at + " at line ".len()..];
    let is_position = rest
        .split_once(" column ")
        .is_some_and(|(line, column)| is_number(line) && is_number(column));
    if is_position {
        text.split_at(at)
    } else {
        (text, "")
    }
}

fn is_number(text: &str) -> bool {
    !text.is_empty() && text.bytes().all(|byte| byte.is_ascii_digit())
}

/// Messages of these forms name fields, lengths or types, never values.
const VALUE_FREE: &[&str] = &[
    "missing field `",
    "duplicate field `",
    "unknown field `",
    "invalid length ",
    "data did not match any variant of ",
    "the value does not fit its type",
    // std's parse errors, which serde's text formats (query strings, path parameters)
    // pass on.
    "invalid digit found in string",
    "cannot parse integer from empty string",
    "number too large to fit in target type",
    "number too small to fit in target type",
    "invalid float literal",
    "cannot parse float from empty string",
    "provided string was not `true` or `false`",
];

/// `message` (one of serde's) with the values it quotes taken out.
fn without_values(message: &str) -> Cow<'_, str> {
    for prefix in ["invalid type: ", "invalid value: "] {
        if let Some(rest) = message.strip_prefix(prefix) {
            return Cow::Owned(match unexpected(rest) {
                Some((kind, expected)) => format!("{prefix}{kind}, expected {expected}"),
                None => format!("{prefix}a value of another kind"),
            });
        }
    }
    if let Some(rest) = message.strip_prefix("unknown variant `") {
        // The variant is the event's text, quoted as it is: only the last separator is
        // serde's own.
        return Cow::Owned(match rest.rfind("`, expected ") {
            Some(at) => format!("unknown variant, expected {}", &rest[at + "`, expected ".len()..]),
            None => "unknown variant, there are no variants".to_owned(),
        });
    }
    // lambdo's own wrappers around a message: kept, with the message inside them
    // taken through here too (the decode error of a notification's `Message`, say).
    if let Some(wrapped) = wrapper(message) {
        let (outer, inner) = message.split_at(wrapped);
        return match without_values(inner) {
            Cow::Borrowed(kept) if kept == inner => Cow::Borrowed(message),
            shown => Cow::Owned(format!("{outer}{shown}")),
        };
    }
    if VALUE_FREE.iter().any(|form| message.starts_with(form)) {
        return Cow::Borrowed(message);
    }
    Cow::Borrowed(HIDDEN)
}

/// Where the message inside one of lambdo's wrappers starts: `in `Message`: …` and
/// [`crate::Error::Decode`]'s `the event does not match T: at `path`: …`.
fn wrapper(message: &str) -> Option<usize> {
    const IN: &str = "in `";
    const DECODE: &str = "the event does not match ";
    if let Some(rest) = message.strip_prefix(IN) {
        return Some(IN.len() + rest.find("`: ")? + "`: ".len());
    }
    let rest = message.strip_prefix(DECODE)?;
    let path = rest.find(": at `")? + ": at `".len();
    Some(DECODE.len() + path + rest[path..].find("`: ")? + "`: ".len())
}

/// The kinds of value serde names without quoting them.
const PLAIN_KINDS: &[&str] = &[
    "null",
    "unit value",
    "Option value",
    "newtype struct",
    "sequence",
    "map",
    "enum",
    "unit variant",
    "newtype variant",
    "tuple variant",
    "struct variant",
    "byte array",
];

/// serde's `Unexpected` as it prints it, then `, expected …`: the kind of value and the
/// expectation.
fn unexpected(rest: &str) -> Option<(&str, &str)> {
    const EXPECTED: &str = ", expected ";
    let (kind, after) = if let Some(quoted) = rest.strip_prefix("string \"") {
        ("string", after_debug_string(quoted)?)
    } else if let Some(character) = rest.strip_prefix("character `") {
        // The character itself may be a backtick.
        let mut chars = character.chars();
        chars.next()?;
        ("character", chars.as_str().strip_prefix('`')?)
    } else if let Some((kind, quoted)) = ["integer", "floating point", "boolean"]
        .iter()
        .find_map(|kind| Some((*kind, rest.strip_prefix(kind)?.strip_prefix(" `")?)))
    {
        (kind, &quoted[quoted.find('`')? + 1..])
    } else {
        let kind = PLAIN_KINDS.iter().find(|kind| {
            rest.strip_prefix(**kind)
                .is_some_and(|after| after.starts_with(EXPECTED))
        })?;
        (*kind, &rest[kind.len()..])
    };
    Some((kind, after.strip_prefix(EXPECTED)?))
}

/// What follows a string as Rust's `Debug` prints it (its opening quote already read).
fn after_debug_string(quoted: &str) -> Option<&str> {
    let mut chars = quoted.char_indices();
    while let Some((at, char)) = chars.next() {
        match char {
            '\\' => {
                chars.next()?;
            }
            '"' => return Some(&quoted[at + 1..]),
            _ => {}
        }
    }
    None
}

/// A base64 decoding error, without the byte it found.
pub(crate) fn base64_error(error: &base64::DecodeError) -> String {
    use base64::DecodeError;
    match error {
        DecodeError::InvalidByte(offset, _) => format!("not base64: an invalid byte at offset {offset}"),
        DecodeError::InvalidLastSymbol(offset, _) => {
            format!("not base64: an invalid last symbol at offset {offset}")
        }
        DecodeError::InvalidLength(length) => format!("not base64: {length} symbols is not a valid length"),
        DecodeError::InvalidPadding => "not base64: invalid padding".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use serde::Deserialize;

    use super::*;

    const SECRET: &str = "SECRET 4111-1111-1111-1111";

    /// serde_json's own message for `json` decoded as `T`, then as lambdo keeps it.
    fn kept<T: for<'de> Deserialize<'de> + std::fmt::Debug>(json: &str) -> (String, String) {
        let error = serde_json::from_str::<T>(json).unwrap_err();
        let original = error.to_string();
        (original, without_values_always(&error))
    }

    fn without_values_always(error: &serde_json::Error) -> String {
        let text = error.to_string();
        let (message, position) = split_position(&text);
        format!("{}{position}", without_values(message))
    }

    #[derive(Debug, Deserialize)]
    #[allow(dead_code)]
    struct Order {
        quantity: u32,
        state: State,
    }

    #[derive(Debug, Deserialize)]
    enum State {
        Open,
        Closed,
    }

    #[test]
    fn a_string_of_the_wrong_type_is_named_by_kind() {
        let json = format!(r#"{{"quantity": "{SECRET} \" \\ \n x", "state": "Open"}}"#);
        let (original, kept) = kept::<Order>(&json);
        assert!(original.contains("4111"), "{original}");
        assert_eq!(kept, "invalid type: string, expected u32 at line 1 column 52");
    }

    #[test]
    fn numbers_booleans_and_characters_lose_their_value() {
        assert_eq!(
            kept::<String>("4111111111111111").1,
            "invalid type: integer, expected a string at line 1 column 16"
        );
        assert_eq!(
            kept::<String>("-41.5").1,
            "invalid type: floating point, expected a string at line 1 column 5"
        );
        assert_eq!(
            kept::<u8>("true").1,
            "invalid type: boolean, expected u8 at line 1 column 4"
        );
        assert_eq!(
            kept::<u8>("4111").1,
            "invalid value: integer, expected u8 at line 1 column 4"
        );
        let (_, kept_char) = kept::<char>(r#""ab""#);
        assert_eq!(
            kept_char,
            "invalid value: string, expected a character at line 1 column 4"
        );
        assert_eq!(
            without_values("invalid type: character ```, expected u8"),
            "invalid type: character, expected u8"
        );
        assert_eq!(
            kept::<u32>("null").1,
            "invalid type: null, expected u32 at line 1 column 4"
        );
        assert_eq!(
            kept::<u32>("[1]").1,
            "invalid type: sequence, expected u32 at line 1 column 0"
        );
    }

    #[test]
    fn an_unknown_variant_is_not_quoted() {
        let json = format!(r#"{{"quantity": 1, "state": "{SECRET}`, expected x"}}"#);
        let (original, kept) = kept::<Order>(&json);
        assert!(original.contains("4111"), "{original}");
        assert!(
            kept.starts_with("unknown variant, expected `Open` or `Closed`"),
            "{kept}"
        );
        assert!(!kept.contains("4111"), "{kept}");
    }

    #[test]
    fn messages_that_quote_no_value_are_kept() {
        assert_eq!(
            kept::<Order>(r#"{"quantity": 1}"#).1,
            "missing field `state` at line 1 column 15"
        );
        assert!(kept::<(u8, u8)>("[1]")
            .1
            .starts_with("invalid length 1, expected a tuple of size 2"));
        let syntax = serde_json::from_str::<u32>("").unwrap_err();
        assert_eq!(
            serde_error(syntax).to_string(),
            "EOF while parsing a value at line 1 column 0"
        );
    }

    #[test]
    fn a_type_s_own_message_is_hidden_whole() {
        #[derive(Debug)]
        struct Card;
        impl<'de> Deserialize<'de> for Card {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let text = String::deserialize(deserializer)?;
                Err(serde::de::Error::custom(format!("{text} fails the Luhn check")))
            }
        }
        let (original, kept) = kept::<Card>(&format!(r#""{SECRET}""#));
        assert!(original.contains("4111"), "{original}");
        assert!(kept.starts_with("the value does not fit its type"), "{kept}");
        assert!(!kept.contains("4111") && !kept.contains("Luhn"), "{kept}");
        // A message already kept is kept as it is.
        assert_eq!(without_values(&kept), kept);
    }

    #[test]
    fn lambdo_s_own_wrappers_keep_their_words_and_lose_the_values_inside() {
        let inner = r#"invalid type: string "4111", expected u32"#;
        assert_eq!(
            without_values(&format!(
                "in `Message`: the event does not match Alarm: at `state`: {inner}"
            )),
            "in `Message`: the event does not match Alarm: at `state`: invalid type: string, expected u32"
        );
        assert_eq!(
            without_values("in `Message`: missing field `name`"),
            "in `Message`: missing field `name`"
        );
        assert!(without_values("in `x`: 4111 is no card").ends_with(HIDDEN));
    }

    #[test]
    fn a_position_is_only_serde_json_s_own() {
        assert_eq!(
            split_position("x at line 3 column 4"),
            ("x", " at line 3 column 4")
        );
        assert_eq!(
            split_position("x at line three column 4"),
            ("x at line three column 4", "")
        );
        assert_eq!(split_position("plain"), ("plain", ""));
    }

    #[test]
    fn base64_errors_say_where_not_what() {
        use base64::Engine;
        let error = base64::engine::general_purpose::STANDARD
            .decode("ab$d")
            .unwrap_err();
        assert_eq!(base64_error(&error), "not base64: an invalid byte at offset 2");
        assert!(!base64_error(&error).contains('$'));
    }
}
