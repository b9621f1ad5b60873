//! Any bytes as an event: lambdo never panics, answers what is JSON (or names why no
//! source takes it) and refuses as `Lambdo.InvalidEvent` only what is not JSON.
#![no_main]

use libfuzzer_sys::fuzz_target;
use serde::de::IgnoredAny;

fuzz_target!(|data: &[u8]| {
    let answer = lambdo_fuzz::call(lambdo_fuzz::every_source(), data.to_vec());
    // JSON text: UTF-8 in JSON's grammar, whether or not it fits a `Value` (`1e999`).
    let is_json =
        std::str::from_utf8(data).is_ok_and(|text| serde_json::from_str::<IgnoredAny>(text).is_ok());
    match &answer {
        Err(error_type) if error_type == "Lambdo.InvalidEvent" => assert!(!is_json, "valid JSON refused"),
        _ => assert!(is_json, "bytes that are not JSON were not refused: {answer:?}"),
    }
});
