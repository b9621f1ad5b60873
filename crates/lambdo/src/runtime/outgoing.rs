//! The body of a request to the Runtime API.

use std::{
    pin::Pin,
    task::{Context, Poll},
};

use bytes::Bytes;
use http_body::{Body, Frame, SizeHint};

use crate::BoxError;

/// What lambdo sends to the Runtime API.
pub(crate) struct Outgoing(Kind);

enum Kind {
    /// A whole body (taken when sent).
    Full(Option<Bytes>),
}

impl Outgoing {
    pub(crate) fn empty() -> Self {
        Outgoing(Kind::Full(None))
    }

    pub(crate) fn json(bytes: Bytes) -> Self {
        Outgoing(Kind::Full(Some(bytes)))
    }
}

impl Body for Outgoing {
    type Data = Bytes;
    type Error = BoxError;

    fn poll_frame(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<Option<Result<Frame<Bytes>, BoxError>>> {
        match &mut self.get_mut().0 {
            Kind::Full(bytes) => Poll::Ready(bytes.take().map(|bytes| Ok(Frame::data(bytes)))),
        }
    }

    fn is_end_stream(&self) -> bool {
        match &self.0 {
            Kind::Full(bytes) => bytes.is_none(),
        }
    }

    fn size_hint(&self) -> SizeHint {
        match &self.0 {
            Kind::Full(bytes) => SizeHint::with_exact(bytes.as_ref().map_or(0, |bytes| bytes.len() as u64)),
        }
    }
}
