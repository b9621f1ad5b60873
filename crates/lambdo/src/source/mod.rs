//! Event sources: the one abstraction every source implements, lambdo's own and yours.
//!
//! lambdo reads each event once. The pass goes over the event's top-level keys and
//! hands the value of each key to the registered sources that read that key (see
//! [`Source::keys`]), as a [`Value`] they read in the form they need (text borrowed
//! from the event, a number, raw JSON, an object entry by entry); keys no source reads
//! are skipped without being built. At the end of the event each source that read
//! something says whether the event is its own ([`EventReader::claims`]), and the one
//! that claims it handles it ([`EventReader::handle`]): its handler runs and the source
//! writes the answer its caller expects.
//!
//! - **Tolerant.** Reading never fails on valid JSON: a value of another type than a
//!   source expects is [`Field::WrongType`], which means "not this source's event" (or,
//!   inside a record, "this record is malformed"). Only bytes that are not JSON stop the
//!   pass ([`ReadError`], answered as `Lambdo.InvalidEvent`).
//! - **One claimant.** When several registered sources claim an event, the one
//!   registered first takes it. An event that no source claims goes, byte for byte, to
//!   the direct-invocation handler ([`App::invoke`](crate::App::invoke)) if there is
//!   one, and is otherwise `Lambdo.UnsupportedEvent`, naming what arrived.
//! - **Shared keys.** When several registered sources read the same key (`version`,
//!   `requestContext`…), its value is kept as raw JSON once and each reads it from that.
//!   lambdo's record sources (SQS, Kinesis, DynamoDB Streams, SNS, S3) share one reader
//!   of the `Records` key, which reads each record once and hands it to the source its
//!   `eventSource` names.
//!
//! A source of your own — a company's event envelope, a service lambdo does not ship —
//! implements [`Source`] and is registered with [`App::source`](crate::App::source):
//!
//! ```
//! use lambdo::{
//!     source::{EventReader, Field, ReadError, Source, SourceFuture, Value},
//!     App, Context,
//! };
//! use serde_json::value::RawValue;
//!
//! /// Events of the form `{"envelope": "acme/v1", "kind": "…", "payload": {…}}`.
//! struct Acme<F> {
//!     on_event: F,
//! }
//!
//! /// What the pass found of one event.
//! #[derive(Default)]
//! struct AcmeEvent<'e> {
//!     envelope: bool,
//!     kind: Option<String>,
//!     payload: Option<&'e RawValue>,
//! }
//!
//! struct Reading<'e, F> {
//!     source: &'e Acme<F>,
//!     event: AcmeEvent<'e>,
//! }
//!
//! impl<S, F> Source<S> for Acme<F>
//! where
//!     S: Send + Sync + 'static,
//!     F: Fn(String, &RawValue) -> Result<u64, lambdo::BoxError> + Send + Sync + 'static,
//! {
//!     fn names(&self) -> &[&'static str] {
//!         &["acme"]
//!     }
//!
//!     fn keys(&self) -> &'static [&'static str] {
//!         &["envelope", "kind", "payload"]
//!     }
//!
//!     fn reader<'e>(&'e self, _event: &'e [u8]) -> Box<dyn EventReader<'e, S> + 'e> {
//!         Box::new(Reading { source: self, event: AcmeEvent::default() })
//!     }
//! }
//!
//! impl<'e, S, F> EventReader<'e, S> for Reading<'e, F>
//! where
//!     S: Send + Sync + 'static,
//!     F: Fn(String, &RawValue) -> Result<u64, lambdo::BoxError> + Send + Sync + 'static,
//! {
//!     fn read(&mut self, key: &str, value: Value<'_, 'e>) -> Result<(), ReadError> {
//!         match key {
//!             "envelope" => self.event.envelope = value.text()?.value().as_deref() == Some("acme/v1"),
//!             "kind" => self.event.kind = value.text()?.value().map(|kind| kind.into_owned()),
//!             "payload" => self.event.payload = Some(value.raw()?),
//!             _ => {}
//!         }
//!         Ok(())
//!     }
//!
//!     fn claims(&mut self) -> bool {
//!         self.event.envelope && self.event.kind.is_some() && self.event.payload.is_some()
//!     }
//!
//!     fn handle(self: Box<Self>, _event: &'e lambdo::source::Bytes, _context: Context, _state: &'e S) -> SourceFuture<'e> {
//!         let AcmeEvent { kind, payload, .. } = self.event;
//!         let answer = (self.source.on_event)(kind.unwrap_or_default(), payload.expect("claimed with a payload"));
//!         Box::pin(async move {
//!             let count = answer.map_err(lambdo::Error::handler)?;
//!             let json = serde_json::value::to_raw_value(&count).map_err(lambdo::Error::Encode)?;
//!             Ok(json.into())
//!         })
//!     }
//! }
//!
//! fn count(kind: String, payload: &RawValue) -> Result<u64, lambdo::BoxError> {
//!     Ok(kind.len() as u64 + payload.get().len() as u64)
//! }
//!
//! # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
//! let function = App::new(()).source(Acme { on_event: count }).into_function();
//! let event = r#"{"envelope":"acme/v1","kind":"order","payload":{"n":1}}"#;
//! let answer = function.call(event.into(), Context::default()).await.unwrap();
//! assert_eq!(answer.get(), "12");
//! assert_eq!(function.sources(), ["acme"]);
//! // Not its envelope: no source takes it.
//! let other = function.call(r#"{"envelope":"other","kind":"x","payload":1}"#.into(), Context::default()).await;
//! assert_eq!(other.unwrap_err().error_type(), "Lambdo.UnsupportedEvent");
//! # });
//! ```

mod answer;
mod keys;
mod slice;
mod value;

use std::{future::Future, pin::Pin};

pub use crate::text::Field;
pub use answer::Answer;
pub(crate) use answer::{Body as StreamBody, Stream, STREAMED_HTTP_RESPONSE};
/// The event's bytes, as [`EventReader::handle`] gets them.
pub use bytes::Bytes;
pub(crate) use keys::KeyTable;
pub(crate) use slice::{range_in, raw_range, Slice};
pub(crate) use value::{offer_raw, Offer, StringMap};
pub use value::{read_json, ReadError, Value};

use crate::{Context, Error};

/// The future of a source handling one event: the answer for the caller.
pub type SourceFuture<'e> = Pin<Box<dyn Future<Output = Result<Answer, Error>> + Send + 'e>>;

/// A handler's JSON answer as a source's answer (one more box: ~0.1 k instructions).
pub(crate) fn json_answer(
    future: crate::handler::BoxFuture<Result<Box<serde_json::value::RawValue>, Error>>,
) -> SourceFuture<'static> {
    use futures_util::FutureExt;
    Box::pin(future.map(|answer| answer.map(Answer::from)))
}

/// An event source: which keys of an event it reads, and a reader for each event.
///
/// `S` is the app's state. See the [module docs](self) for how events are read and
/// claimed, and an example.
pub trait Source<S>: Send + Sync + 'static {
    /// What this source handles, by name (`http`, `sqs`…): listed by
    /// [`Function::sources`](crate::Function::sources) and in the error for an event
    /// that no source takes.
    fn names(&self) -> &[&'static str];

    /// The top-level keys of an event whose values this source reads.
    fn keys(&self) -> &'static [&'static str];

    /// A reader for `event`, made when the pass reaches the first key this source
    /// reads.
    fn reader<'e>(&'e self, event: &'e [u8]) -> Box<dyn EventReader<'e, S> + 'e>;
}

/// What a [`Source`] read of one event, and how it handles the event if it is its own.
pub trait EventReader<'e, S>: Send {
    /// Reads the value of one of the source's keys (in the event's order; a key that
    /// comes twice is read twice). A value left unread is skipped.
    fn read(&mut self, key: &str, value: Value<'_, 'e>) -> Result<(), ReadError>;

    /// After the whole event: whether it is this source's event. May finish reading
    /// what it kept (raw parts) to decide.
    fn claims(&mut self) -> bool;

    /// When the event is not this source's but nearly is (a field of the wrong type,
    /// records of a source nobody registered): what it is, for the error that says no
    /// source took it (`a batch of 2 \`aws:ses\` records`). Never the event's values.
    fn near_miss(&self) -> Option<String> {
        None
    }

    /// Handles the event this reader claimed: `event` is its bytes (what the reader
    /// borrowed from), `context` the invocation's, `state` the app's.
    fn handle(self: Box<Self>, event: &'e Bytes, context: Context, state: &'e S) -> SourceFuture<'e>;
}
