//! Idempotency on DynamoDB: a piece of work runs at most once per key, and repeats get
//! the first run's result.
//!
//! One conditional write claims the key (`INPROGRESS`, expiring with the invocation's
//! deadline, so a crashed invocation does not hold the key forever); the result is
//! stored (`COMPLETED`) and returned to every repeat until the record's time to live;
//! a failed run deletes its claim so that a retry can run; the same key with a
//! different payload is refused. Use it around any handler: an HTTP handler keyed by
//! an `Idempotency-Key` header ([`IdempotencyKey`](crate::IdempotencyKey) as an
//! extractor), or a batch record handler keyed by the message id or by the payload's
//! own identifying fields ([`IdempotencyKey::from_fields`](crate::IdempotencyKey::from_fields)).
//!
//! The table needs a string partition key `id` and, to have DynamoDB delete old
//! records, time to live on the `expiration` attribute.
//!
//! Over HTTP, a repeat gets the first response's data, a repeat while the first runs
//! gets 409 and a reused key with another body 422, all as problem responses:
//!
//! ```no_run
//! use axum::{extract::State, http::StatusCode, routing::post, Router};
//! use lambdo::{http::{LambdaContext, Problem}, Json};
//! use lambdo_dynamodb::{Idempotency, IdempotencyKey};
//!
//! #[derive(serde::Serialize, serde::Deserialize)]
//! struct Payment { account: String, cents: u64 }
//!
//! #[derive(serde::Serialize, serde::Deserialize)]
//! struct Receipt { payment_id: String }
//!
//! async fn pay(
//!     State(idempotency): State<Idempotency>,
//!     LambdaContext(context): LambdaContext,
//!     key: IdempotencyKey,
//!     Json(payment): Json<Payment>,
//! ) -> Result<(StatusCode, Json<Receipt>), Problem> {
//!     let receipt = idempotency
//!         .run(&context, &key, &payment, || async {
//!             // Move the money: once per key, however often the client retries.
//!             Ok::<_, Problem>(Receipt { payment_id: format!("p-{}", payment.account) })
//!         })
//!         .await?;
//!     Ok((StatusCode::CREATED, Json(receipt)))
//! }
//! let _router: Router<Idempotency> = Router::new().route("/payments", post(pay));
//! ```
//!
//! In a batch, a record whose key is in progress elsewhere fails alone and is
//! redelivered later, when it gets the stored result:
//!
//! ```no_run
//! use lambdo::{sqs::Message, Context, State};
//! use lambdo_dynamodb::Idempotency;
//!
//! #[derive(serde::Serialize, serde::Deserialize)]
//! struct Charge { order_id: String, cents: u64 }
//!
//! async fn on_charge(
//!     State(idempotency): State<Idempotency>,
//!     context: Context,
//!     message: Message<Charge>,
//! ) -> Result<(), lambdo::BoxError> {
//!     let receipt: String = idempotency
//!         .run(&context, &message.body.order_id, &message.body, || async {
//!             // Charge the card: this runs once per order, however often SQS delivers.
//!             Ok::<_, lambdo::BoxError>(format!("charged {}", message.body.cents))
//!         })
//!         .await?;
//!     tracing::info!(receipt, "done");
//!     Ok(())
//! }
//! ```

use std::{
    collections::HashMap,
    future::Future,
    panic::AssertUnwindSafe,
    sync::Arc,
    time::{Duration, SystemTime, UNIX_EPOCH},
};

use aws_sdk_dynamodb::{types::AttributeValue, Client};
use futures_util::FutureExt;
#[cfg(feature = "http")]
use lambdo::http::Problem;
use lambdo::{BoxError, Context, FunctionError};
use serde::{de::DeserializeOwned, Serialize};

use crate::{key::hex_sha256, trace::traced, TableError};

const IN_PROGRESS: &str = "INPROGRESS";
const COMPLETED: &str = "COMPLETED";

/// Why idempotent work did not give a result.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum IdempotencyError {
    /// Another invocation holds the key and has not finished: try again later.
    #[error("a request with this idempotency key is in progress")]
    InProgress,
    /// The key was used before with a different payload.
    #[error("this idempotency key was used with a different payload")]
    PayloadMismatch,
    /// The work itself failed (its claim is released, so a retry runs it again).
    #[error("{0}")]
    Work(BoxError),
    /// The idempotency table failed.
    #[error(transparent)]
    Table(#[from] TableError),
    /// The payload or the result could not be encoded or decoded.
    #[error("the idempotency record could not be encoded: {0}")]
    Encode(#[from] serde_json::Error),
    /// A field the key is made of is missing or `null` (its JSON pointer).
    #[error("the payload has no `{0}`, which its idempotency key is made of")]
    MissingKey(String),
}

/// 409 while in progress, 422 for a reused key, and what the work's or the table's
/// errors map to otherwise.
#[cfg(feature = "http")]
impl From<IdempotencyError> for Problem {
    fn from(error: IdempotencyError) -> Self {
        match error {
            IdempotencyError::InProgress => Problem::conflict(error.to_string()),
            IdempotencyError::PayloadMismatch => Problem::unprocessable(error.to_string()),
            IdempotencyError::Table(table) => table.into(),
            IdempotencyError::Work(work) => match work.downcast::<Problem>() {
                Ok(problem) => *problem,
                Err(other) => Problem::internal(other),
            },
            IdempotencyError::MissingKey(ref pointer) => {
                let pointer = pointer.clone();
                Problem::unprocessable(error.to_string()).with_extension("pointer", pointer)
            }
            IdempotencyError::Encode(_) => Problem::internal(error),
        }
    }
}

/// Outside HTTP (direct invocations, batch records) the failure keeps a stable
/// `errorType`: `Idempotency.InProgress`, `Idempotency.PayloadMismatch`,
/// `Idempotency.MissingKey`, `Idempotency.Table`, `Idempotency.Encode`; the work's own
/// [`FunctionError`] passes through, and other work errors are `Lambdo.HandlerError`.
///
/// ```
/// use lambdo::FunctionError;
/// use lambdo_dynamodb::IdempotencyError;
///
/// let error: FunctionError = IdempotencyError::InProgress.into();
/// assert_eq!(error.error_type(), "Idempotency.InProgress");
/// ```
impl From<IdempotencyError> for FunctionError {
    fn from(error: IdempotencyError) -> Self {
        let error_type = match &error {
            IdempotencyError::InProgress => "Idempotency.InProgress",
            IdempotencyError::PayloadMismatch => "Idempotency.PayloadMismatch",
            IdempotencyError::MissingKey(_) => "Idempotency.MissingKey",
            IdempotencyError::Table(_) => "Idempotency.Table",
            IdempotencyError::Encode(_) => "Idempotency.Encode",
            IdempotencyError::Work(work) => match work.downcast_ref::<FunctionError>() {
                Some(own) => return own.clone(),
                None => "Lambdo.HandlerError",
            },
        };
        FunctionError::new(error_type, error.to_string())
    }
}

/// The idempotency store: a DynamoDB table of records, one per key.
#[derive(Clone, Debug)]
pub struct Idempotency {
    client: Client,
    table: Arc<str>,
    expires_after: Duration,
}

/// What the store holds for a key.
enum Existing {
    Completed { hash: String, data: String },
    InProgress { hash: String },
}

impl Idempotency {
    /// Records in `table`, kept for an hour after completion.
    pub fn new(client: &Client, table: impl Into<String>) -> Self {
        Idempotency {
            client: client.clone(),
            table: table.into().into(),
            expires_after: Duration::from_secs(3600),
        }
    }

    /// Keeps completed records (and returns their results to repeats) for `ttl`.
    pub fn expires_after(mut self, ttl: Duration) -> Self {
        self.expires_after = ttl;
        self
    }

    /// Runs `work` unless a run with `key` completed or is in progress: returns its
    /// result, or the stored result of the earlier run. `payload` is what the key
    /// stands for: a repeat with another payload is [`IdempotencyError::PayloadMismatch`].
    /// The claim expires at the invocation's deadline (`context.deadline`).
    pub async fn run<T, E, F, Fut>(
        &self,
        context: &Context,
        key: impl AsRef<str>,
        payload: &impl Serialize,
        work: F,
    ) -> Result<T, IdempotencyError>
    where
        T: Serialize + DeserializeOwned,
        E: Into<BoxError>,
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<T, E>>,
    {
        let key = key.as_ref();
        let hash = payload_hash(payload)?;
        let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default();
        let deadline_ms = match context.deadline {
            0 => (now + Duration::from_secs(900)).as_millis(),
            deadline => u128::from(deadline),
        };
        if !self.claim(key, &hash, now, deadline_ms).await? {
            return match self.existing(key).await? {
                Some(Existing::Completed { hash: stored, .. })
                | Some(Existing::InProgress { hash: stored })
                    if stored != hash =>
                {
                    Err(IdempotencyError::PayloadMismatch)
                }
                Some(Existing::Completed { data, .. }) => Ok(serde_json::from_str(&data)?),
                Some(Existing::InProgress { .. }) => Err(IdempotencyError::InProgress),
                // Released or expired between the two reads: the caller may retry.
                None => Err(IdempotencyError::InProgress),
            };
        }
        let outcome = match AssertUnwindSafe(work()).catch_unwind().await {
            Ok(outcome) => outcome,
            Err(panic) => {
                // Free the key for a retry, then let the panic fail the invocation.
                self.release(key).await?;
                std::panic::resume_unwind(panic);
            }
        };
        match outcome {
            Ok(value) => {
                self.complete(key, &hash, &serde_json::to_string(&value)?).await?;
                Ok(value)
            }
            Err(error) => {
                self.release(key).await?;
                Err(IdempotencyError::Work(error.into()))
            }
        }
    }

    /// One conditional write: the key is free, or its record expired, or its claim
    /// outlived its invocation. `false` when someone else holds it.
    async fn claim(
        &self,
        key: &str,
        hash: &str,
        now: Duration,
        deadline_ms: u128,
    ) -> Result<bool, TableError> {
        let item = HashMap::from([
            ("id".to_owned(), AttributeValue::S(key.to_owned())),
            ("status".to_owned(), AttributeValue::S(IN_PROGRESS.to_owned())),
            ("payload_hash".to_owned(), AttributeValue::S(hash.to_owned())),
            (
                "in_progress_expiry".to_owned(),
                AttributeValue::N(deadline_ms.to_string()),
            ),
            (
                "expiration".to_owned(),
                AttributeValue::N((now + self.expires_after).as_secs().to_string()),
            ),
        ]);
        let request = self
            .client
            .put_item()
            .table_name(&*self.table)
            .set_item(Some(item))
            .condition_expression(
                "attribute_not_exists(id) OR expiration < :now_s \
                 OR (#status = :in_progress AND in_progress_expiry < :now_ms)",
            )
            .expression_attribute_names("#status", "status")
            .expression_attribute_values(":now_s", AttributeValue::N(now.as_secs().to_string()))
            .expression_attribute_values(":now_ms", AttributeValue::N(now.as_millis().to_string()))
            .expression_attribute_values(":in_progress", AttributeValue::S(IN_PROGRESS.to_owned()));
        let claimed = traced(&self.client, &self.table, "PutItem", async {
            request.send().await.map_err(TableError::from_sdk)
        })
        .await;
        match claimed {
            Ok(_) => Ok(true),
            Err(TableError::Conflict(_)) => Ok(false),
            Err(other) => Err(other),
        }
    }

    async fn existing(&self, key: &str) -> Result<Option<Existing>, TableError> {
        let request = self
            .client
            .get_item()
            .table_name(&*self.table)
            .key("id", AttributeValue::S(key.to_owned()))
            .consistent_read(true);
        let output = traced(&self.client, &self.table, "GetItem", async {
            request.send().await.map_err(TableError::from_sdk)
        })
        .await?;
        let Some(item) = output.item else { return Ok(None) };
        let text = |name: &str| match item.get(name) {
            Some(AttributeValue::S(text)) => text.clone(),
            _ => String::new(),
        };
        let hash = text("payload_hash");
        Ok(Some(match text("status").as_str() {
            COMPLETED => Existing::Completed {
                hash,
                data: text("data"),
            },
            _ => Existing::InProgress { hash },
        }))
    }

    async fn complete(&self, key: &str, hash: &str, data: &str) -> Result<(), TableError> {
        let expiration =
            SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default() + self.expires_after;
        let item = HashMap::from([
            ("id".to_owned(), AttributeValue::S(key.to_owned())),
            ("status".to_owned(), AttributeValue::S(COMPLETED.to_owned())),
            ("payload_hash".to_owned(), AttributeValue::S(hash.to_owned())),
            ("data".to_owned(), AttributeValue::S(data.to_owned())),
            (
                "expiration".to_owned(),
                AttributeValue::N(expiration.as_secs().to_string()),
            ),
        ]);
        let request = self
            .client
            .put_item()
            .table_name(&*self.table)
            .set_item(Some(item));
        traced(&self.client, &self.table, "PutItem", async {
            request.send().await.map_err(TableError::from_sdk)
        })
        .await?;
        Ok(())
    }

    /// Deletes this run's claim, if it is still a claim.
    async fn release(&self, key: &str) -> Result<(), TableError> {
        let request = self
            .client
            .delete_item()
            .table_name(&*self.table)
            .key("id", AttributeValue::S(key.to_owned()))
            .condition_expression("#status = :in_progress")
            .expression_attribute_names("#status", "status")
            .expression_attribute_values(":in_progress", AttributeValue::S(IN_PROGRESS.to_owned()));
        let released = traced(&self.client, &self.table, "DeleteItem", async {
            request.send().await.map_err(TableError::from_sdk)
        })
        .await;
        match released {
            Ok(_) | Err(TableError::Conflict(_)) => Ok(()),
            Err(other) => Err(other),
        }
    }
}

/// SHA-256 of the payload's JSON (struct fields in declaration order, map keys sorted).
fn payload_hash(payload: &impl Serialize) -> Result<String, serde_json::Error> {
    Ok(hex_sha256(&serde_json::to_vec(payload)?))
}
