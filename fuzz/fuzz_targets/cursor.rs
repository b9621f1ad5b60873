//! Page cursors: any text is refused or opened without a panic, only a cursor the
//! table issued opens, and an issued cursor opens to the key it was issued for.
#![no_main]

use std::collections::HashMap;

use arbitrary::Arbitrary;
use aws_sdk_dynamodb::types::AttributeValue;
use lambdo_dynamodb::fuzzing::{issue_cursor, open_cursor};
use libfuzzer_sys::fuzz_target;

#[derive(Arbitrary, Debug)]
struct Input {
    cursor: String,
    key: Vec<(String, String, bool)>,
    flip: usize,
}

const SECRET: &[u8] = b"fuzzing secret";

fuzz_target!(|input: Input| {
    // Text nobody issued does not open (the odds of forging the tag are nil).
    assert!(
        open_cursor(SECRET, "todos|q", &input.cursor).is_none(),
        "a forged cursor opened"
    );

    let key: HashMap<String, AttributeValue> = input
        .key
        .into_iter()
        .map(|(name, value, number)| {
            let value = if number {
                AttributeValue::N(value)
            } else {
                AttributeValue::S(value)
            };
            (name, value)
        })
        .collect();
    let cursor = issue_cursor(SECRET, "todos|q", key.clone());
    assert_eq!(
        open_cursor(SECRET, "todos|q", &cursor),
        Some(key),
        "an issued cursor"
    );
    assert!(
        open_cursor(SECRET, "todos|other", &cursor).is_none(),
        "another scope"
    );
    // Any one character changed, the cursor is refused.
    let mut changed: Vec<char> = cursor.chars().collect();
    let at = input.flip % changed.len();
    changed[at] = if changed[at] == 'A' { 'B' } else { 'A' };
    let changed: String = changed.into_iter().collect();
    assert!(
        open_cursor(SECRET, "todos|q", &changed).is_none(),
        "a changed cursor opened"
    );
});
