//! Batches of records (SQS; the stream sources share it): one handler call per record,
//! and a `batchItemFailures` response that lists exactly the records that did not
//! succeed, so Lambda redelivers those and only those.
//!
//! Every record ends in exactly one of two states: succeeded, or listed as failed. A
//! record fails when its handler returns an error or panics, when it does not decode,
//! when an earlier record it is ordered after failed, or when the invocation's deadline
//! came too close to start it.

use std::{
    collections::HashSet,
    future::Future,
    panic::AssertUnwindSafe,
    time::{Duration, SystemTime, UNIX_EPOCH},
};

use futures_util::{stream, FutureExt, StreamExt};
use serde::Serialize;
use serde_json::value::RawValue;
use tracing::Instrument;

use bytes::Bytes;

use crate::{
    function::panic_message,
    handler::{erase, ErasedHandler},
    source::{RecordFields, Slice},
    BoxError, Context, Error, Handler,
};

/// The span each record of a batch runs in; its `correlation_id` is the record's
/// identifier (see [`crate::logs`]). A record alone in an event that takes no partial
/// response (SNS, EventBridge) runs in the invocation's span instead. The subscriber
/// lambdo installs in Lambda opens none (`JsonLogLayer::without_record_spans`).
pub(crate) const RECORD_SPAN: &str = "lambdo.record";

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

/// What a per-record handler may return: `Result<(), E>` with `E: Into<BoxError>`, or
/// `()` for handlers that cannot fail.
///
/// ```
/// use lambdo::batch::IntoRecordResult;
///
/// let failed: Result<(), lambdo::BoxError> = Err("out of stock".into());
/// assert_eq!(failed.into_record_result().unwrap_err().error_type(), "Lambdo.HandlerError");
/// assert!(().into_record_result().is_ok());
/// ```
pub trait IntoRecordResult {
    /// `Ok` when the record succeeded.
    fn into_record_result(self) -> Result<(), Error>;
}

impl<E: Into<BoxError>> IntoRecordResult for Result<(), E> {
    fn into_record_result(self) -> Result<(), Error> {
        self.map_err(Error::handler)
    }
}

impl IntoRecordResult for () {
    fn into_record_result(self) -> Result<(), Error> {
        Ok(())
    }
}

/// A record handler with its argument types erased.
pub(crate) type RecordFn<S, P> = ErasedHandler<S, P, ()>;

/// Erases a record handler's argument types.
pub(crate) fn erase_record<H, Args, S, P>(handler: H) -> RecordFn<S, P>
where
    H: Handler<Args, S, P>,
    H::Output: IntoRecordResult,
    Args: 'static,
{
    erase(handler, IntoRecordResult::into_record_result)
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

/// The payload of a batch source's record handlers, read from one record.
pub(crate) trait FromRecords: Sized + Send + 'static {
    /// What one record is, for error messages (`an SQS record`).
    const NAME: &'static str;

    /// Reads the record at `index`; an error (see [`unidentified`]) when its identifier
    /// cannot be read.
    fn read(event: &Bytes, fields: RecordFields<'_>, index: usize) -> Result<Pending<Self>, Error>;

    /// How the records of this batch relate.
    fn order(records: &[Pending<Self>], options: &BatchOptions) -> Order;
}

/// A registered source of records: its record handler, its options, and what its
/// caller expects back.
pub(crate) struct BatchSource<S, P> {
    handler: RecordFn<S, P>,
    options: BatchOptions,
    partial: bool,
}

impl<S: Send + Sync + 'static, P: FromRecords> BatchSource<S, P> {
    /// A source whose caller reads partial batch responses (SQS, Kinesis, DynamoDB).
    pub(crate) fn new<H, Args>(handler: H, options: BatchOptions) -> Self
    where
        H: Handler<Args, S, P>,
        H::Output: IntoRecordResult,
        Args: 'static,
    {
        BatchSource {
            handler: erase_record(handler),
            options,
            partial: true,
        }
    }

    /// A source whose caller takes no partial response (SNS, S3): every record is
    /// handled, in order, and any failure fails the invocation with the first
    /// failure's error, so the caller retries the event.
    pub(crate) fn each<H, Args>(handler: H) -> Self
    where
        H: Handler<Args, S, P>,
        H::Output: IntoRecordResult,
        Args: 'static,
    {
        BatchSource {
            partial: false,
            ..BatchSource::new(handler, BatchOptions::default())
        }
    }
}

/// A registered source of records, whatever its payload type: what the dispatcher
/// hands a batch to.
pub(crate) trait RecordsSource<S>: Send + Sync {
    /// Handles the batch `records` of `event`.
    fn handle<'a>(
        &'a self,
        event: &'a Bytes,
        records: Vec<RecordFields<'a>>,
        context: &'a Context,
        state: &'a S,
    ) -> futures_util::future::BoxFuture<'a, Result<Box<RawValue>, Error>>;
}

impl<S: Send + Sync + 'static, P: FromRecords> RecordsSource<S> for BatchSource<S, P> {
    fn handle<'a>(
        &'a self,
        event: &'a Bytes,
        records: Vec<RecordFields<'a>>,
        context: &'a Context,
        state: &'a S,
    ) -> futures_util::future::BoxFuture<'a, Result<Box<RawValue>, Error>> {
        Box::pin(async move {
            let only_record = records.len() == 1;
            // Every record is read before any runs: a record that cannot be identified
            // fails the batch before a handler has done anything.
            let pending = records
                .into_iter()
                .enumerate()
                .map(|(index, fields)| read_record(event, fields, index))
                .collect::<Result<Vec<Pending<P>>, Error>>()?;
            if self.partial {
                let order = P::order(&pending, &self.options);
                return process(
                    event,
                    pending,
                    order,
                    &self.options,
                    &self.handler,
                    context,
                    state,
                )
                .await;
            }
            let mut first_error = None;
            // An event of one record (an SNS notification, most S3 notifications): the
            // invocation is the record's span.
            let span = if only_record {
                RecordSpan::Invocation
            } else {
                RecordSpan::Own
            };
            for Pending { id, payload, .. } in pending {
                let id = id.get(event);
                if let Err(error) = run_record(id, payload, &self.handler, context, state, span).await {
                    first_error.get_or_insert(error);
                }
            }
            match first_error {
                Some(error) => Err(error),
                None => Ok(null()),
            }
        })
    }
}

/// Reads one record; a record with a field of the wrong type fails alone, naming it.
fn read_record<P: FromRecords>(
    event: &Bytes,
    fields: RecordFields<'_>,
    index: usize,
) -> Result<Pending<P>, Error> {
    let malformed = fields.malformed;
    let mut pending = P::read(event, fields, index)?;
    if let (Some(field), Ok(_)) = (malformed, &pending.payload) {
        pending.payload = Err(RecordFields::malformed_error(field, index, P::NAME));
    }
    Ok(pending)
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
async fn process<S: Sync, P: Send + 'static>(
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

/// Runs the handler of a single event (EventBridge) in the invocation's span, which
/// gets the event's id as its `correlation_id`: the record engine's panic guard and
/// failure log, and `null` for a response.
pub(crate) async fn run_one<S, P>(
    id: &str,
    payload: P,
    handler: &RecordFn<S, P>,
    context: &Context,
    state: &S,
) -> Result<Box<RawValue>, Error> {
    run_record(id, Ok(payload), handler, context, state, RecordSpan::Invocation).await?;
    Ok(null())
}

/// The response of sources whose callers read none.
fn null() -> Box<RawValue> {
    RawValue::NULL.to_owned()
}

impl From<Result<(), Error>> for Outcome {
    fn from(result: Result<(), Error>) -> Self {
        match result {
            Ok(()) => Outcome::Succeeded,
            Err(_) => Outcome::Failed,
        }
    }
}

/// Which span a record's handler runs (and its failure is logged) in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum RecordSpan {
    /// A `lambdo.record` span of its own, whose `correlation_id` is the record's
    /// identifier: every record of a batch.
    Own,
    /// The invocation's span, given the record's identifier as its `correlation_id`:
    /// for an invocation whose only work is this record (an SNS notification, an
    /// EventBridge event), a second span would say nothing the first does not.
    Invocation,
}

/// Runs one record's handler in its span, turning every way it can fail (decode error,
/// handler error, panic) into an error, logged with the record's identifier.
///
/// The handler is called (and the payload decoded, in its extractors) before the
/// returned future is first polled; the future then holds only the handler's boxed
/// future, not the record. Records are a few hundred bytes, and every future awaiting
/// this one would otherwise carry room for one: the batch futures are kept under the
/// size the allocator serves from its fast per-thread cache.
fn run_record<'a, S, P>(
    id: &'a str,
    payload: Result<P, Error>,
    handler: &RecordFn<S, P>,
    context: &Context,
    state: &S,
    span: RecordSpan,
) -> impl Future<Output = Result<(), Error>> + Send + 'a {
    // Decoding happens in the handler's extractors, synchronously: guard it too.
    let call = payload.and_then(|payload| {
        std::panic::catch_unwind(AssertUnwindSafe(|| handler(payload, context, state)))
            .map_err(|panic| Error::Panic(panic_message(panic.as_ref())))
    });
    async move {
        // The failure is logged inside the span too, so the span is entered once per
        // poll and never cloned.
        let work = async move {
            let result = match call {
                Ok(call) => match AssertUnwindSafe(call).catch_unwind().await {
                    Ok(result) => result,
                    Err(panic) => Err(Error::Panic(panic_message(panic.as_ref()))),
                },
                Err(error) => Err(error),
            };
            if let Err(error) = &result {
                tracing::error!(
                    item_identifier = id,
                    error_type = error.error_type(),
                    error = %error,
                    "the record failed"
                );
            }
            result
        };
        match span {
            // A `&str` field: recorded without formatting. The span is disabled where
            // lambdo's JSON lines are the only reader of spans; the lines get the id
            // from `in_record` then.
            RecordSpan::Own => {
                crate::logs::in_record(id, work)
                    .instrument(tracing::info_span!(RECORD_SPAN, correlation_id = id))
                    .await
            }
            RecordSpan::Invocation => {
                tracing::Span::current().record("correlation_id", id);
                work.await
            }
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
