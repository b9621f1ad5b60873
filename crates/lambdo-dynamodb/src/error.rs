//! What a table operation can fail with, by what the caller should do about it.

use aws_sdk_dynamodb::error::{ProvideErrorMetadata, SdkError};
#[cfg(feature = "http")]
use lambdo::http::Problem;

/// A failed table operation.
///
/// ```
/// use lambdo_dynamodb::TableError;
///
/// let problem: lambdo::http::Problem = TableError::Conflict("version 3 is stale".into()).into();
/// assert_eq!(problem.status(), 409);
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TableError {
    /// The item does not exist (for operations that need it to).
    #[error("the item does not exist")]
    NotFound,
    /// A condition failed: the item already exists (create), or its version moved on
    /// since it was read (optimistic locking).
    #[error("conflict: {0}")]
    Conflict(String),
    /// DynamoDB rejected the request as invalid (a wrong key, an item too large…).
    #[error("invalid request: {0}")]
    Validation(String),
    /// A cursor that this table did not issue, or that was changed.
    #[error("the cursor is not valid for this table")]
    BadCursor,
    /// Still throttled after the SDK's retries.
    #[error("throttled: {0}")]
    Throttled(String),
    /// An item that does not map to or from the table's type.
    /// (Its message names the attribute's kind, not its value: see `lambdo::redact`.)
    #[error("the item does not match its type: {}", lambdo::redact::message(&.0.to_string()))]
    Item(#[from] serde_dynamo::Error),
    /// Anything else DynamoDB or the network reported.
    #[error("DynamoDB failed: {0}")]
    Service(String),
}

impl TableError {
    /// Sorts an SDK error by what the caller can do about it.
    pub(crate) fn from_sdk<E, R>(error: SdkError<E, R>) -> Self
    where
        E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
        R: std::fmt::Debug,
    {
        let code = error.code().map(str::to_owned);
        let message = error
            .message()
            .map(str::to_owned)
            .unwrap_or_else(|| aws_sdk_dynamodb::error::DisplayErrorContext(&error).to_string());
        match code.as_deref() {
            Some("ConditionalCheckFailedException" | "TransactionConflictException") => {
                TableError::Conflict(message)
            }
            Some("ValidationException" | "ResourceNotFoundException") => TableError::Validation(message),
            Some(
                "ProvisionedThroughputExceededException"
                | "RequestLimitExceeded"
                | "ThrottlingException"
                | "LimitExceededException",
            ) => TableError::Throttled(message),
            _ => TableError::Service(message),
        }
    }
}

/// HTTP handlers can return table errors with `?`: 404, 409, 400 for what the client
/// can fix; 503 for throttling and failures (their detail goes to the log, not the
/// client).
#[cfg(feature = "http")]
impl From<TableError> for Problem {
    fn from(error: TableError) -> Self {
        match &error {
            TableError::NotFound => Problem::not_found("the item does not exist"),
            TableError::Conflict(_) => Problem::conflict(error.to_string()),
            TableError::Validation(_) | TableError::BadCursor => Problem::bad_request(error.to_string()),
            TableError::Throttled(_) | TableError::Service(_) | TableError::Item(_) => {
                tracing::error!(error = %error, "DynamoDB failed");
                Problem::new(http::StatusCode::SERVICE_UNAVAILABLE)
            }
        }
    }
}
