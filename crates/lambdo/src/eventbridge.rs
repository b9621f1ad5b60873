//! Amazon EventBridge: events from rules and buses, with a typed `detail`, routed to a
//! handler by `source` and `detail-type`; and schedules.
//!
//! - [`App::eventbridge`](crate::App::eventbridge) registers a handler for one
//!   `source` + `detail-type` pair; its last argument is an [`Event<T>`] (`detail`
//!   decoded into `T`).
//! - [`App::schedule`](crate::App::schedule) registers the handler of scheduled events:
//!   EventBridge rules (`source` `aws.events`, `detail-type` `Scheduled Event`) and
//!   EventBridge Scheduler schedules whose input is an event of the same shape with
//!   `source` `aws.scheduler` (see [`Scheduled`] for the input to give the schedule).
//!
//! An event that matches no registration goes to the direct-invocation handler if
//! there is one, and is otherwise an `Lambdo.UnsupportedEvent` error naming its source
//! and detail-type. EventBridge invokes asynchronously: a failure fails the invocation
//! and its retry policy and dead-letter queue take over.
//!
//! [`Event<T>`] also unwraps an EventBridge event delivered through an SQS queue:
//! `Message<Event<T>>`.
//!
//! ```
//! use lambdo::{eventbridge::{Event, Scheduled}, App};
//!
//! #[derive(serde::Deserialize)]
//! struct OrderPlaced { order_id: String, total_cents: u64 }
//!
//! async fn on_order(event: Event<OrderPlaced>) -> Result<(), lambdo::BoxError> {
//!     tracing::info!(order = event.detail.order_id, total = event.detail.total_cents, "placed");
//!     Ok(())
//! }
//!
//! async fn nightly(tick: Scheduled) -> Result<(), lambdo::BoxError> {
//!     tracing::info!(at = tick.time, "nightly clean-up");
//!     Ok(())
//! }
//!
//! let app = App::new(())
//!     .eventbridge("com.example.shop", "OrderPlaced", on_order)
//!     .schedule(nightly);
//! # let _ = app;
//! ```

use bytes::Bytes;
use serde::{de::DeserializeOwned, Deserialize};

use crate::{Context, Error, FromPayload};

/// An EventBridge event whose `detail` is the JSON of `T`.
///
/// ```
/// let text = r#"{"version":"0","id":"e-1","detail-type":"OrderPlaced","source":"shop",
///     "account":"123456789012","time":"2026-11-28T12:00:00Z","region":"eu-central-1",
///     "resources":[],"detail":{"n":3}}"#;
/// #[derive(serde::Deserialize)]
/// struct Detail { n: u32 }
/// let event: lambdo::eventbridge::Event<Detail> = serde_json::from_str(text).unwrap();
/// assert_eq!((event.detail.n, event.detail_type.as_str()), (3, "OrderPlaced"));
/// ```
#[derive(Debug, Clone, Deserialize)]
#[serde(bound = "T: DeserializeOwned")]
#[non_exhaustive]
pub struct Event<T> {
    /// The event's own content.
    pub detail: T,
    /// The event's unique id.
    pub id: String,
    /// Who sent it (`aws.ec2`, `com.example.shop`…).
    pub source: String,
    /// What kind of event it is.
    #[serde(rename = "detail-type")]
    pub detail_type: String,
    /// The account it was sent in.
    #[serde(default)]
    pub account: String,
    /// When it happened (RFC 3339).
    #[serde(default)]
    pub time: String,
    /// The region it was sent in.
    #[serde(default)]
    pub region: String,
    /// The ARNs of the resources it is about (a scheduled event's rule or schedule).
    #[serde(default)]
    pub resources: Vec<String>,
}

/// A scheduled event: an EventBridge rule's tick, or an EventBridge Scheduler
/// schedule's invocation.
///
/// For EventBridge Scheduler, give the schedule's Lambda target this input, so that
/// lambdo can tell the event apart and fill in `time`, `id` and `schedule_arn`:
///
/// ```json
/// {"source": "aws.scheduler", "detail-type": "Scheduled Event",
///  "id": "<aws.scheduler.execution-id>", "time": "<aws.scheduler.scheduled-time>",
///  "resources": ["<aws.scheduler.schedule-arn>"], "detail": {}}
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Scheduled {
    /// The event's id (the execution id, for Scheduler).
    pub id: String,
    /// The time the schedule fired for (RFC 3339).
    pub time: String,
    /// The rule's or schedule's ARN.
    pub schedule_arn: Option<String>,
    /// `aws.events` (a rule) or `aws.scheduler` (a schedule).
    pub source: String,
}

/// The payload of EventBridge handlers: the event's bytes.
#[derive(Debug, Clone)]
pub struct EventBridgePayload(pub(crate) Bytes);

impl<S, T: DeserializeOwned> FromPayload<S, EventBridgePayload> for Event<T> {
    fn from_payload(payload: EventBridgePayload, _context: &Context, _state: &S) -> Result<Self, Error> {
        Error::decode(&payload.0, std::any::type_name::<Event<T>>())
    }
}

impl<S> FromPayload<S, EventBridgePayload> for Scheduled {
    fn from_payload(payload: EventBridgePayload, _context: &Context, _state: &S) -> Result<Self, Error> {
        let event: Event<serde::de::IgnoredAny> = Error::decode(&payload.0, "a scheduled event")?;
        Ok(Scheduled {
            id: event.id,
            time: event.time,
            schedule_arn: event.resources.into_iter().next(),
            source: event.source,
        })
    }
}

/// The `detail-type` of scheduled events, and the sources that send them.
pub(crate) const SCHEDULED_EVENT: &str = "Scheduled Event";
pub(crate) const SCHEDULE_SOURCES: [&str; 2] = ["aws.events", "aws.scheduler"];
