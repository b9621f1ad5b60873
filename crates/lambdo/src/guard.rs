//! One handler call for one record or event, guarded: whatever way it fails (a decode
//! error in its extractors, its error, a panic) is one error, logged with the record's
//! identifier, and the process carries on. The batch engine runs each record of a batch
//! this way, and single-event sources (SNS, S3, EventBridge) their events.

use std::{future::Future, panic::AssertUnwindSafe};

use futures_util::FutureExt;
use serde_json::value::RawValue;
use tracing::Instrument;

use crate::{error::panic_message, handler::ErasedHandler, logs, BoxError, Context, Error, Handler};

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
#[diagnostic::on_unimplemented(
    message = "a record handler cannot return `{Self}`",
    label = "the handler's return type",
    note = "a record succeeds or fails, with no value: return `Result<(), E>` with `E: Into<BoxError>` (in a batch, a failure is reported in `batchItemFailures` and that record retried), or `()`"
)]
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
    crate::handler::erase(handler, IntoRecordResult::into_record_result)
}

/// Runs the handler of a single event (EventBridge, SNS) in the invocation's span,
/// which gets the event's id as its `correlation_id`, with the guards of
/// [`run_record`]; `null` for a response.
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
pub(crate) fn null() -> Box<RawValue> {
    RawValue::NULL.to_owned()
}

/// Which span a record's handler runs (and its failure is logged) in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RecordSpan {
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
pub(crate) fn run_record<'a, S, P>(
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
                    .instrument(tracing::info_span!(logs::RECORD_SPAN, correlation_id = id))
                    .await
            }
            RecordSpan::Invocation => {
                tracing::Span::current().record("correlation_id", id);
                work.await
            }
        }
    }
}
