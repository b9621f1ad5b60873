//! The handler trait: `async fn`s of extractors, for any source.

use std::{future::Future, pin::Pin, sync::Arc};

use crate::{Context, Error, FromContext, FromPayload};

/// A boxed, sendable future, as handlers return them.
pub type BoxFuture<T> = Pin<Box<dyn Future<Output = T> + Send + 'static>>;

/// An `async fn` that lambdo can call with the payload `P` of some event source.
///
/// Implemented for every `async fn` (or closure returning a future) of up to 12
/// arguments where every argument but the last is [`FromContext`] and the last is
/// [`FromPayload`] for the source's payload. `Args` is an inference marker; users never
/// name it. What the function returns is the source's business: a direct invocation
/// wants `Result<R: Serialize, E>`, a batch record handler `Result<(), E>`.
///
/// ```
/// use lambdo::{Context, Json, State};
///
/// #[derive(Clone)]
/// struct AppState;
///
/// #[derive(serde::Deserialize)]
/// struct Resize { width: u32 }
///
/// async fn resize(
///     State(_state): State<AppState>,
///     context: Context,
///     Json(job): Json<Resize>,
/// ) -> Result<u32, lambdo::BoxError> {
///     tracing::info!(request_id = %context.request_id, "resizing");
///     Ok(job.width / 2)
/// }
///
/// let app = lambdo::App::new(AppState).invoke(resize);
/// # let _ = app;
/// ```
#[diagnostic::on_unimplemented(
    message = "this function is not a lambdo handler of `{P}` events (with state `{S}`)",
    label = "not a handler: see the notes below",
    note = "a handler is an `async fn` whose arguments are extractors: first any number built from the invocation (`State<S>`, `Context`, `Metrics`, your own `FromContext` types), then at most one that takes the event's payload (`Json<T>`, `sqs::Message<T>`, `SqsRecord`...)",
    note = "the payload argument must come last: `async fn(State(state): State<S>, message: Message<T>)`, not the other way round",
    note = "every argument must be `Send + 'static` and the returned future `Send`; `State<S>` must name the type given to `App::new`"
)]
pub trait Handler<Args, S, P>: Clone + Send + Sync + 'static {
    /// What the function returns.
    type Output: Send + 'static;

    /// Extracts the arguments and starts the call; rejections fail before the call.
    fn call(&self, payload: P, context: &Context, state: &S) -> BoxFuture<Result<Self::Output, Error>> {
        self.call_then(payload, context, state, Ok)
    }

    /// [`Handler::call`], its output turned into `O` by `finish` inside the same boxed
    /// future (one allocation per call, not two). What lambdo's sources call.
    #[doc(hidden)]
    fn call_then<O: Send + 'static>(
        &self,
        payload: P,
        context: &Context,
        state: &S,
        finish: fn(Self::Output) -> Result<O, Error>,
    ) -> BoxFuture<Result<O, Error>>;
}

/// A handler with its argument types erased, answering `O`: what the sources keep.
pub(crate) type ErasedHandler<S, P, O> =
    Arc<dyn Fn(P, &Context, &S) -> BoxFuture<Result<O, Error>> + Send + Sync>;

/// Erases `handler`'s argument types; `finish` turns what it returns into the source's
/// answer (an invocation response, a record's outcome).
pub(crate) fn erase<H, Args, S, P, O>(
    handler: H,
    finish: fn(H::Output) -> Result<O, Error>,
) -> ErasedHandler<S, P, O>
where
    H: Handler<Args, S, P>,
    Args: 'static,
    O: Send + 'static,
{
    Arc::new(move |payload, context, state| handler.call_then(payload, context, state, finish))
}

impl<F, Fut, S, P> Handler<((),), S, P> for F
where
    F: Fn() -> Fut + Clone + Send + Sync + 'static,
    Fut: Future + Send + 'static,
    Fut::Output: Send + 'static,
{
    type Output = Fut::Output;

    fn call_then<O: Send + 'static>(
        &self,
        _payload: P,
        _context: &Context,
        _state: &S,
        finish: fn(Self::Output) -> Result<O, Error>,
    ) -> BoxFuture<Result<O, Error>> {
        let future = self();
        Box::pin(async move { finish(future.await) })
    }
}

macro_rules! impl_handler {
    ([$($ty:ident),*], $last:ident) => {
        #[allow(non_snake_case, unused_variables)]
        impl<F, Fut, S, P, M, $($ty,)* $last> Handler<(M, $($ty,)* $last,), S, P> for F
        where
            F: Fn($($ty,)* $last) -> Fut + Clone + Send + Sync + 'static,
            Fut: Future + Send + 'static,
            Fut::Output: Send + 'static,
            $( $ty: FromContext<S> + Send + 'static, )*
            $last: FromPayload<S, P, M> + Send + 'static,
        {
            type Output = Fut::Output;

            fn call_then<O: Send + 'static>(
                &self,
                payload: P,
                context: &Context,
                state: &S,
                finish: fn(Self::Output) -> Result<O, Error>,
            ) -> BoxFuture<Result<O, Error>> {
                $(
                    let $ty = match $ty::from_context(context, state) {
                        Ok(value) => value,
                        Err(rejection) => return Box::pin(std::future::ready(Err(rejection))),
                    };
                )*
                let $last = match $last::from_payload(payload, context, state) {
                    Ok(value) => value,
                    Err(rejection) => return Box::pin(std::future::ready(Err(rejection))),
                };
                let future = self($($ty,)* $last);
                Box::pin(async move { finish(future.await) })
            }
        }
    };
}

macro_rules! all_the_tuples {
    ($name:ident) => {
        $name!([], T1);
        $name!([T1], T2);
        $name!([T1, T2], T3);
        $name!([T1, T2, T3], T4);
        $name!([T1, T2, T3, T4], T5);
        $name!([T1, T2, T3, T4, T5], T6);
        $name!([T1, T2, T3, T4, T5, T6], T7);
        $name!([T1, T2, T3, T4, T5, T6, T7], T8);
        $name!([T1, T2, T3, T4, T5, T6, T7, T8], T9);
        $name!([T1, T2, T3, T4, T5, T6, T7, T8, T9], T10);
        $name!([T1, T2, T3, T4, T5, T6, T7, T8, T9, T10], T11);
        $name!([T1, T2, T3, T4, T5, T6, T7, T8, T9, T10, T11], T12);
    };
}

all_the_tuples!(impl_handler);

#[cfg(test)]
mod tests {
    use bytes::Bytes;

    use crate::{App, BoxError, Context};

    #[tokio::test]
    async fn handlers_without_arguments_answer_and_fail_like_any_other() {
        let answers = App::new(())
            .invoke(|| async { Ok::<_, BoxError>(42) })
            .into_function();
        let answer = answers.call(Bytes::from_static(b"{}"), Context::default()).await;
        assert_eq!(answer.unwrap().get(), "42");

        let fails = App::new(())
            .invoke(|| async { Err::<u32, BoxError>("no stock".into()) })
            .into_function();
        let error = fails
            .call(Bytes::from_static(b"{}"), Context::default())
            .await
            .unwrap_err();
        assert_eq!(error.error_type(), "Lambdo.HandlerError");
        assert!(error.to_string().contains("no stock"), "{error}");
    }
}
