//! # lambdo-testing
//!
//! Test lambdo functions without AWS or Docker:
//!
//! - [`fixtures`]: real AWS event samples, and [`HttpEvent`] to turn any `http::Request`
//!   into the event API Gateway (REST or HTTP API), an ALB or a Function URL would send.
//! - [`TestClient`]: the app in-process, through the same conversion path as in Lambda.
//! - [`RuntimeApi`]: a local Lambda Runtime API that real `bootstrap` processes poll, and
//!   [`Emulator`]: the whole execution environment around one (process, environment,
//!   logs, timeout, cold starts, the invoke endpoint). `cargo run -p lambdo-testing --bin
//!   lambdo-emulator -- path/to/bootstrap` runs it by hand.

mod aws;
mod client;
mod emulator;
pub mod fixtures;
mod http_event;
mod logs;
mod metrics;
mod notification_event;
mod response_stream;
mod runtime_api;
mod sqs_event;
mod stream_event;

#[cfg(feature = "dynamodb")]
pub use aws::create_table;
pub use aws::{moto_config, moto_endpoint, CountingProxy};
pub use client::{batch_failures, InvokeResult, TestClient, TestResponse};
pub use emulator::{Emulator, FunctionConfig, Invocation, LogLine, LogStream, Shutdown};
pub use http_event::{HttpEvent, PayloadVersion};
pub use logs::{CaptureGuard, CapturedLogs};
pub use metrics::CapturedMetrics;
pub use notification_event::{eventbridge_event, s3_event, scheduled_event, sns_event, sns_notification};
pub use response_stream::{ResponseStream, StreamedResponse};
pub use runtime_api::{Caller, InvokeError, Outcome, RuntimeApi};
pub use sqs_event::SqsBatch;
pub use stream_event::{DynamoDbStreamBatch, KinesisBatch};
