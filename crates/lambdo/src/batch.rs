//! Batches of records (SQS, Kinesis, DynamoDB Streams): one handler call per record, and
//! a `batchItemFailures` response that lists exactly the records that did not succeed,
//! so Lambda redelivers those and only those.
//!
//! Every record ends in exactly one of two states: succeeded, or listed as failed. A
//! record fails when its handler returns an error or panics, when it does not decode,
//! when an earlier record it is ordered after failed, or when the invocation's deadline
//! came too close to start it.

use std::{
    collections::HashSet,
    time::{Duration, SystemTime, UNIX_EPOCH},
};

use futures_util::{stream, StreamExt};
use serde::Serialize;
use serde_json::value::RawValue;

use bytes::Bytes;

pub use crate::guard::IntoRecordResult;
use crate::{
    guard::{run_record, RecordFn, RecordSpan},
    source::Slice,
    Context, Error,
};

/// How a batch source processes its records.
///
/// ```
/// use std::time::Duration;
/// use lambdo::batch::BatchOptions;
///
/// let options = BatchOptions::new()
///     .concurrency(8)
///     .deadline_margin(Duration::from_secs(2))
///     .fail_whole_batch(false);
/// # let _ = options;
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BatchOptions {
    concurrency: usize,
    deadline_margin: Duration,
    fail_whole_batch: bool,
    pub(crate) fifo_stop_batch: bool,
}

impl Default for BatchOptions {
    fn default() -> Self {
        BatchOptions {
            concurrency: 1,
            deadline_margin: Duration::from_secs(1),
            fail_whole_batch: true,
            fifo_stop_batch: false,
        }
    }
}

impl BatchOptions {
    /// One record at a time, a one-second deadline margin, and an error when every
    /// record of a batch failed.
    pub fn new() -> Self {
        BatchOptions::default()
    }

    /// Handles up to `records` records of a standard SQS batch at once (default 1).
    /// Ordered sources (FIFO queues, streams) always go one record at a time.
    ///
    /// ```
    /// let options = lambdo::batch::BatchOptions::new().concurrency(10);
    /// # let _ = options;
    /// ```
    pub fn concurrency(mut self, records: usize) -> Self {
        self.concurrency = records.max(1);
        self
    }

    /// Starts no record once the invocation has less than `margin` left (default one
    /// second); the records not started are reported failed, so Lambda redelivers them
    /// instead of the whole batch timing out.
    ///
    /// ```
    /// let options = lambdo::batch::BatchOptions::new().deadline_margin(std::time::Duration::from_millis(500));
    /// # let _ = options;
    /// ```
    pub fn deadline_margin(mut self, margin: Duration) -> Self {
        self.deadline_margin = margin;
        self
    }

    /// When every record of a batch failed, fail the invocation (`Lambdo.BatchFailed`)
    /// so the event source mapping backs off (`true`, the default), or answer with
    /// every record listed (`false`).
    ///
    /// ```
    /// let options = lambdo::batch::BatchOptions::new().fail_whole_batch(false);
    /// # let _ = options;
    /// ```
    pub fn fail_whole_batch(mut self, fail: bool) -> Self {
        self.fail_whole_batch = fail;
        self
    }

    /// On a FIFO queue, a failure stops only its own message group by default: later
    /// messages of that group are reported failed, other groups go on. With `true`, the
    /// first failure stops the whole batch.
    ///
    /// ```
    /// let options = lambdo::batch::BatchOptions::new().fifo_stop_batch(true);
    /// # let _ = options;
    /// ```
    pub fn fifo_stop_batch(mut self, stop: bool) -> Self {
        self.fifo_stop_batch = stop;
        self
    }
}

/// How the records of one batch relate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Order {
    /// Independent records (standard SQS): up to `concurrency` at once.
    Unordered,
    /// Ordered within groups (SQS FIFO message groups): a failure fails every later
    /// record of its group.
    Grouped,
    /// One order for the whole batch (streams, or FIFO with `fifo_stop_batch`): a
    /// failure fails every later record.
    Sequential,
}

/// One record, before it runs: its identifier, its ordering group, and its payload (or
/// why its envelope could not be read).
pub(crate) struct Pending<P> {
    /// Kept by position in the event, like the record's own strings: no copy per record.
    pub(crate) id: Slice,
    pub(crate) group: Option<Box<str>>,
    pub(crate) payload: Result<P, Error>,
}

/// The error of a batch with a record whose identifier cannot be read: Lambda cannot
/// be told that this record failed, so the whole batch fails, naming the record.
pub(crate) fn unidentified(index: usize, field: &str, target: &str) -> Error {
    Error::Decode {
        target: target.to_owned(),
        path: format!("Records[{index}].{field}"),
        source: serde::de::Error::custom(
            "the record's identifier cannot be read, so the batch fails (Lambda could not be told which record failed)",
        ),
    }
}

/// Why a record never reached its handler.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum NotStarted {
    Deadline,
    EarlierFailure,
}

enum Outcome {
    Succeeded,
    Failed,
    NotStarted(NotStarted),
}

/// Runs every record and answers Lambda's partial batch response.
pub(crate) async fn process<S: Sync, P: Send + 'static>(
    event: &Bytes,
    records: Vec<Pending<P>>,
    order: Order,
    options: &BatchOptions,
    handler: &RecordFn<S, P>,
    context: &Context,
    state: &S,
) -> Result<Box<RawValue>, Error> {
    let deadline = Deadline::new(context.deadline, options.deadline_margin);
    let outcomes = if order == Order::Unordered && options.concurrency > 1 {
        stream::iter(records)
            .map(|Pending { id, payload, .. }| async move {
                // Checked as the record is about to start, not when the batch began.
                let outcome = if deadline.is_near() {
                    Outcome::NotStarted(NotStarted::Deadline)
                } else {
                    run_record(id.get(event), payload, handler, context, state, RecordSpan::Own)
                        .await
                        .into()
                };
                (id, outcome)
            })
            .buffered(options.concurrency)
            .collect::<Vec<_>>()
            .await
    } else {
        let mut outcomes = Vec::with_capacity(records.len());
        // The groups with a failure; a sequential batch is one group.
        let mut failed_groups: HashSet<Option<Box<str>>> = HashSet::new();
        for Pending { id, group, payload } in records {
            let group = match order {
                Order::Grouped => group,
                Order::Sequential | Order::Unordered => None,
            };
            let outcome = if order != Order::Unordered && failed_groups.contains(&group) {
                Outcome::NotStarted(NotStarted::EarlierFailure)
            } else if deadline.is_near() {
                Outcome::NotStarted(NotStarted::Deadline)
            } else {
                run_record(id.get(event), payload, handler, context, state, RecordSpan::Own)
                    .await
                    .into()
            };
            if matches!(outcome, Outcome::Failed) && order != Order::Unordered {
                failed_groups.insert(group);
            }
            outcomes.push((id, outcome));
        }
        outcomes
    };
    respond(event, &outcomes, options)
}

impl From<Result<(), Error>> for Outcome {
    fn from(result: Result<(), Error>) -> Self {
        match result {
            Ok(()) => Outcome::Succeeded,
            Err(_) => Outcome::Failed,
        }
    }
}

fn respond(
    event: &[u8],
    outcomes: &[(Slice, Outcome)],
    options: &BatchOptions,
) -> Result<Box<RawValue>, Error> {
    let mut failures = Vec::new();
    let mut not_started = [
        (NotStarted::Deadline, 0, None),
        (NotStarted::EarlierFailure, 0, None),
    ];
    for (id, outcome) in outcomes {
        let not_started_because = match outcome {
            Outcome::Succeeded => continue,
            Outcome::Failed => None,
            Outcome::NotStarted(reason) => Some(reason),
        };
        // Only the failed records' identifiers are read back from the event.
        let id = id.get(event);
        if let Some(reason) = not_started_because {
            let (_, count, first) = not_started
                .iter_mut()
                .find(|(kind, _, _)| kind == reason)
                .expect("every reason has a tally");
            *count += 1;
            first.get_or_insert(id);
        }
        failures.push(ItemFailure { item_identifier: id });
    }
    for (reason, count, first) in not_started {
        if count > 0 {
            let why = match reason {
                NotStarted::Deadline => "the invocation's deadline is too close",
                NotStarted::EarlierFailure => "an earlier record they are ordered after failed",
            };
            tracing::warn!(
                count,
                first_item_identifier = first,
                "records not started ({why}); reported failed for redelivery"
            );
        }
    }
    if options.fail_whole_batch && !outcomes.is_empty() && failures.len() == outcomes.len() {
        return Err(Error::BatchFailed {
            records: outcomes.len(),
        });
    }
    serde_json::value::to_raw_value(&BatchResponse {
        batch_item_failures: failures,
    })
    .map_err(Error::Encode)
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct BatchResponse<'a> {
    batch_item_failures: Vec<ItemFailure<'a>>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ItemFailure<'a> {
    item_identifier: &'a str,
}

/// The invocation's deadline less the margin. A context without a deadline (`0`, as
/// `Context::default()` has) never comes near.
#[derive(Debug, Clone, Copy)]
struct Deadline {
    stop_at_ms: Option<u128>,
}

impl Deadline {
    fn new(deadline_ms: u64, margin: Duration) -> Self {
        Deadline {
            stop_at_ms: (deadline_ms > 0).then(|| u128::from(deadline_ms).saturating_sub(margin.as_millis())),
        }
    }

    fn is_near(&self) -> bool {
        self.stop_at_ms.is_some_and(|stop_at| {
            let now = SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .unwrap_or_default()
                .as_millis();
            now >= stop_at
        })
    }
}
