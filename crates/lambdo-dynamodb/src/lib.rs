//! # lambdo-dynamodb
//!
//! Typed DynamoDB tables for lambdo functions: [`Table<T>`] maps items to your `serde`
//! types (through `serde_dynamo`), pages queries and scans with opaque signed cursors,
//! retries unprocessed batch writes, and does optimistic locking on a version
//! attribute. Errors say what the caller can do ([`TableError`]) and become problem
//! responses in HTTP handlers. [`Idempotency`] runs a piece of work at most once per
//! key and returns its stored result to repeats; [`IdempotencyKey`] makes the key from
//! an `Idempotency-Key` request header (as an axum extractor) or from a payload's
//! identifying fields.
//!
//! Load the SDK configuration once at cold start ([`load_config`]) and keep the
//! [`Table`]s in the app's state. `AWS_ENDPOINT_URL` (or `AWS_ENDPOINT_URL_DYNAMODB`)
//! points everything at a local DynamoDB-compatible endpoint.

#![cfg_attr(docsrs, feature(doc_cfg))]

mod cursor;
mod error;
mod idempotency;
mod key;
mod table;
mod trace;

pub use error::TableError;

/// Entry points for `fuzz/` (built with cargo-fuzz's `--cfg fuzzing` only).
#[cfg(fuzzing)]
#[doc(hidden)]
pub mod fuzzing {
    use std::collections::HashMap;

    use aws_sdk_dynamodb::types::AttributeValue;

    /// Opens `cursor` for `scope` with a table's `secret`: the key it resumes from,
    /// or `None` for a cursor the table would refuse.
    pub fn open_cursor(secret: &[u8], scope: &str, cursor: &str) -> Option<HashMap<String, AttributeValue>> {
        crate::cursor::Cursors::new(secret).open(scope, cursor).ok()
    }

    /// The cursor a table with `secret` issues for `last_key` in `scope`.
    pub fn issue_cursor(secret: &[u8], scope: &str, last_key: HashMap<String, AttributeValue>) -> String {
        crate::cursor::Cursors::new(secret)
            .issue(scope, last_key)
            .expect("any key makes a cursor")
    }
}
pub use idempotency::{Idempotency, IdempotencyError};
pub use key::{IdempotencyKey, MAX_HEADER_KEY_LEN};
pub use table::{Page, Query, Table};

/// The AWS SDK configuration from the environment (region, credentials, and
/// `AWS_ENDPOINT_URL` when set): call once, at cold start.
///
/// ```no_run
/// # async fn demo() {
/// let config = lambdo_dynamodb::load_config().await;
/// let client = lambdo_dynamodb::client(&config);
/// # let _ = client;
/// # }
/// ```
pub async fn load_config() -> aws_config::SdkConfig {
    aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await
}

/// A DynamoDB client for `config`.
pub fn client(config: &aws_config::SdkConfig) -> aws_sdk_dynamodb::Client {
    aws_sdk_dynamodb::Client::new(config)
}
