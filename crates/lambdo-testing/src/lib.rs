//! # lambdo-testing
//!
//! Test lambdo functions without AWS or Docker:
//!
//! - [`fixtures`]: real AWS event samples, and [`HttpEvent`] to turn any `http::Request`
//!   into the event API Gateway (REST or HTTP API), an ALB or a Function URL would send.
//! - [`TestClient`]: the app in-process, through the same conversion path as in Lambda.
//! - [`RuntimeApi`]: a local Lambda Runtime API that real `bootstrap` processes poll.

mod client;
pub mod fixtures;
mod http_event;
mod runtime_api;

pub use client::{Invocation, TestClient, TestResponse};
pub use http_event::{HttpEvent, PayloadVersion};
pub use runtime_api::{InvokeError, Outcome, RuntimeApi};
