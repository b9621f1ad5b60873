//! Extractors: what a handler's arguments are built from.
//!
//! Two traits, split by what they consume (the same split axum makes):
//! - [`FromContext`] builds a value from the invocation's context and the app state
//!   ([`State`], the Lambda [`Context`]); any number, in any order.
//! - [`FromPayload`] consumes the event payload ([`Json`]); only the last argument may,
//!   and the handler trait enforces it.

mod json;
mod state;

pub use json::Json;
pub use state::State;

use bytes::Bytes;

use crate::{Context, Error};

/// A handler argument built from the invocation context and the app state.
///
/// ```
/// use lambdo::{Context, Error, FromContext};
///
/// /// The caller's request id, as a handler argument.
/// struct RequestId(String);
///
/// impl<S> FromContext<S> for RequestId {
///     fn from_context(context: &Context, _state: &S) -> Result<Self, Error> {
///         Ok(RequestId(context.request_id.clone()))
///     }
/// }
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be built from the invocation, as a handler argument before the last must be",
    label = "not an extractor",
    note = "arguments before the last are `FromContext`: `State<S>`, `Context`, `Metrics`, or your own type implementing it; the event's payload (`Json<T>`, `sqs::Message<T>`...) goes last"
)]
pub trait FromContext<S>: Sized {
    /// Builds the value, or rejects the invocation.
    fn from_context(context: &Context, state: &S) -> Result<Self, Error>;
}

/// A handler argument that consumes the event payload `P`; only the last argument.
///
/// `M` tells the two kinds of last argument apart: anything that is [`FromContext`] is
/// also a valid last argument (`private::ViaContext`), and payload extractors use the
/// default marker.
///
/// ```
/// use lambdo::{Context, Error, FromPayload, InvokePayload};
///
/// /// The raw event text, for handlers that parse it themselves.
/// struct RawEvent(String);
///
/// impl<S> FromPayload<S, InvokePayload> for RawEvent {
///     fn from_payload(payload: InvokePayload, _: &Context, _: &S) -> Result<Self, Error> {
///         Ok(RawEvent(String::from_utf8_lossy(payload.as_bytes()).into_owned()))
///     }
/// }
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot take the payload of `{P}` events",
    label = "not an extractor of this source's payload",
    note = "the last argument takes the payload: `Json<T>` for direct invocations, `sqs::Message<T>` or `SqsRecord` for SQS, `Notification<T>` for SNS... (see each source's module), or anything `FromContext`"
)]
pub trait FromPayload<S, P, M = private::ViaPayload>: Sized {
    /// Builds the value from the payload, or rejects the invocation.
    fn from_payload(payload: P, context: &Context, state: &S) -> Result<Self, Error>;
}

impl<S, P, T> FromPayload<S, P, private::ViaContext> for T
where
    T: FromContext<S>,
{
    fn from_payload(_payload: P, context: &Context, state: &S) -> Result<Self, Error> {
        T::from_context(context, state)
    }
}

impl<S> FromContext<S> for Context {
    fn from_context(context: &Context, _state: &S) -> Result<Self, Error> {
        Ok(context.clone())
    }
}

/// The raw bytes of a direct invocation's event, handed to the last handler argument;
/// also an argument itself, for handlers that read the event as it arrived.
///
/// ```
/// use lambdo::InvokePayload;
///
/// async fn size(payload: InvokePayload) -> Result<usize, lambdo::BoxError> {
///     Ok(payload.as_bytes().len())
/// }
/// # let _ = lambdo::App::new(()).invoke(size);
/// ```
#[derive(Debug, Clone)]
pub struct InvokePayload(pub(crate) Bytes);

impl<S> FromPayload<S, InvokePayload> for InvokePayload {
    fn from_payload(payload: InvokePayload, _context: &Context, _state: &S) -> Result<Self, Error> {
        Ok(payload)
    }
}

impl InvokePayload {
    /// The event's JSON text as bytes.
    ///
    /// ```
    /// # use lambdo::InvokePayload;
    /// fn size(payload: &InvokePayload) -> usize { payload.as_bytes().len() }
    /// ```
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }
}

pub(crate) mod private {
    /// Marker: the last argument consumes the payload.
    #[derive(Debug)]
    pub enum ViaPayload {}
    /// Marker: the last argument is a context extractor and ignores the payload.
    #[derive(Debug)]
    pub enum ViaContext {}
}
