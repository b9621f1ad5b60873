//! Direct invocation: any `T: DeserializeOwned` in, any `R: Serialize` out.

use bytes::Bytes;
use serde::Serialize;
use serde_json::value::RawValue;

use crate::{
    handler::{erase, BoxFuture, ErasedHandler},
    BoxError, Context, Error, Handler, InvokePayload, RESPONSE_LIMIT,
};

/// What a direct-invocation handler may return: `Result<R, E>` where `R: Serialize`
/// becomes the function's JSON response and `E: Into<BoxError>` fails the invocation
/// (see [`Error`] for the `errorType` it reports).
///
/// ```
/// use lambdo::IntoInvokeResponse;
///
/// let ok: Result<Vec<u32>, lambdo::BoxError> = Ok(vec![1, 2]);
/// assert_eq!(ok.into_invoke_response().unwrap().get(), "[1,2]");
/// ```
#[diagnostic::on_unimplemented(
    message = "a direct-invocation handler cannot answer `{Self}`",
    label = "the handler's return type",
    note = "return `Result<R, E>`: `R: Serialize` becomes the JSON response, `E: Into<BoxError>` fails the invocation (for a value that cannot fail: `Ok::<_, lambdo::BoxError>(value)`)"
)]
pub trait IntoInvokeResponse {
    /// Serializes the success value or converts the error.
    fn into_invoke_response(self) -> Result<Box<RawValue>, Error>;
}

impl<R, E> IntoInvokeResponse for Result<R, E>
where
    R: Serialize,
    E: Into<BoxError>,
{
    fn into_invoke_response(self) -> Result<Box<RawValue>, Error> {
        let value = self.map_err(Error::handler)?;
        serde_json::value::to_raw_value(&value).map_err(Error::Encode)
    }
}

/// The registered direct-invocation handler, with its argument types erased.
pub(crate) struct InvokeSource<S> {
    handler: ErasedHandler<S, InvokePayload, Box<RawValue>>,
}

impl<S: Send + Sync + 'static> InvokeSource<S> {
    pub(crate) fn new<H, Args>(handler: H) -> Self
    where
        H: Handler<Args, S, InvokePayload>,
        H::Output: IntoInvokeResponse,
        Args: 'static,
    {
        InvokeSource {
            handler: erase(handler, |output| within_limit(output.into_invoke_response()?)),
        }
    }

    pub(crate) fn call(
        &self,
        event: Bytes,
        context: &Context,
        state: &S,
    ) -> BoxFuture<Result<Box<RawValue>, Error>> {
        (self.handler)(InvokePayload(event), context, state)
    }
}

/// A response Lambda would refuse fails here, with its size, instead of as an opaque
/// Runtime API error after the handler's work is done.
fn within_limit(response: Box<RawValue>) -> Result<Box<RawValue>, Error> {
    let size = response.get().len();
    if size > RESPONSE_LIMIT {
        return Err(Error::ResponseTooLarge {
            size,
            limit: RESPONSE_LIMIT,
        });
    }
    Ok(response)
}
