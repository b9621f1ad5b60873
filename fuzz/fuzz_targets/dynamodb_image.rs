//! Any JSON as a DynamoDB Streams record's new image, decoded into `Change<Value>`: no
//! panic, and the record ends succeeded or listed failed (a batch answer either way).
#![no_main]

use libfuzzer_sys::fuzz_target;
use serde_json::{json, Value};

fuzz_target!(|data: &[u8]| {
    let Ok(image) = serde_json::from_slice::<Value>(data) else {
        return;
    };
    let event = json!({"Records": [{
        "eventID": "e-1",
        "eventName": "INSERT",
        "eventSource": "aws:dynamodb",
        "awsRegion": "eu-central-1",
        "dynamodb": {
            "Keys": {"id": {"S": "o-1"}},
            "NewImage": image,
            "SequenceNumber": "100",
            "SizeBytes": 26,
            "StreamViewType": "NEW_AND_OLD_IMAGES",
        },
        "eventSourceARN": "arn:aws:dynamodb:eu-central-1:1:table/t/stream/2026",
    }]});
    let answer = lambdo_fuzz::call(lambdo_fuzz::streams(), serde_json::to_vec(&event).unwrap());
    match answer {
        Ok(response) => {
            let response: Value = serde_json::from_str(&response).unwrap();
            let failures = response["batchItemFailures"]
                .as_array()
                .expect("a batch response");
            assert!(
                failures.is_empty() || failures[0]["itemIdentifier"] == "100",
                "{response}"
            );
        }
        // The only record failed: the batch fails whole (every record redelivered).
        Err(error_type) => assert_eq!(error_type, "Lambdo.BatchFailed"),
    }
});
