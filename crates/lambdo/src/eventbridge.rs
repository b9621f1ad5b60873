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

use crate::{
    guard::{self, RecordFn},
    source::{Answer, EventReader, ReadError, Source, SourceFuture, Value},
    text::Text,
    Context, Error, FromPayload,
};

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
const SCHEDULED_EVENT: &str = "Scheduled Event";
const SCHEDULE_SOURCES: [&str; 2] = ["aws.events", "aws.scheduler"];

/// The EventBridge handlers of an app: by `source` and `detail-type`, and the schedule
/// handler.
pub(crate) struct EventBridge<S> {
    routes: Vec<(String, String, RecordFn<S, EventBridgePayload>)>,
    schedule: Option<RecordFn<S, EventBridgePayload>>,
    names: Vec<&'static str>,
}

impl<S> Default for EventBridge<S> {
    fn default() -> Self {
        EventBridge {
            routes: Vec::new(),
            schedule: None,
            names: Vec::new(),
        }
    }
}

impl<S> EventBridge<S> {
    /// # Panics
    ///
    /// When a handler is already registered for the same `source` and `detail_type`.
    pub(crate) fn route(
        &mut self,
        source: &str,
        detail_type: &str,
        handler: RecordFn<S, EventBridgePayload>,
    ) {
        assert!(
            !self.routes.iter().any(|(s, d, _)| s == source && d == detail_type),
            "an EventBridge handler for source `{source}` and detail-type `{detail_type}` is already registered"
        );
        if self.routes.is_empty() {
            self.names.insert(0, "eventbridge");
        }
        self.routes
            .push((source.to_owned(), detail_type.to_owned(), handler));
    }

    /// # Panics
    ///
    /// When a schedule handler is already registered.
    pub(crate) fn schedule(&mut self, handler: RecordFn<S, EventBridgePayload>) {
        assert!(
            self.schedule.is_none(),
            "a schedule handler is already registered"
        );
        self.schedule = Some(handler);
        self.names.push("schedule");
    }

    /// An exact `source` + `detail-type` registration first, then the schedule handler
    /// for scheduled events.
    fn handler(&self, source: &str, detail_type: &str) -> Option<&RecordFn<S, EventBridgePayload>> {
        let exact = self
            .routes
            .iter()
            .find(|(s, d, _)| s == source && d == detail_type)
            .map(|(_, _, handler)| handler);
        exact.or_else(|| {
            let scheduled = detail_type == SCHEDULED_EVENT && SCHEDULE_SOURCES.contains(&source);
            scheduled.then_some(self.schedule.as_ref()).flatten()
        })
    }
}

impl<S: Send + Sync + 'static> Source<S> for EventBridge<S> {
    fn names(&self) -> &[&'static str] {
        &self.names
    }

    fn keys(&self) -> &'static [&'static str] {
        &["source", "detail-type", "id", "detail"]
    }

    fn reader<'e>(&'e self, _event: &'e [u8]) -> Box<dyn EventReader<'e, S> + 'e> {
        Box::new(EventBridgeReader {
            routes: self,
            source: None,
            detail_type: None,
            id: None,
            has_detail: false,
            handler: None,
        })
    }
}

/// An EventBridge event's envelope, as far as routing goes; `detail` is the handler's
/// to read.
struct EventBridgeReader<'e, S> {
    routes: &'e EventBridge<S>,
    source: Option<Text<'e>>,
    detail_type: Option<Text<'e>>,
    id: Option<Text<'e>>,
    has_detail: bool,
    handler: Option<&'e RecordFn<S, EventBridgePayload>>,
}

impl<'e, S: Send + Sync + 'static> EventReader<'e, S> for EventBridgeReader<'e, S> {
    fn read(&mut self, key: &str, value: Value<'_, 'e>) -> Result<(), ReadError> {
        // Any event may have these keys, with values of any type: only strings are
        // EventBridge's.
        match key {
            "source" => self.source = value.text_field()?.value(),
            "detail-type" => self.detail_type = value.text_field()?.value(),
            "id" => self.id = value.text_field()?.value(),
            "detail" => self.has_detail = true,
            _ => {}
        }
        Ok(())
    }

    fn claims(&mut self) -> bool {
        let (Some(source), Some(detail_type), true) = (&self.source, &self.detail_type, self.has_detail)
        else {
            return false;
        };
        self.handler = self.routes.handler(source.as_str(), detail_type.as_str());
        self.handler.is_some()
    }

    fn near_miss(&self) -> Option<String> {
        let (Some(source), Some(detail_type), true) = (&self.source, &self.detail_type, self.has_detail)
        else {
            return None;
        };
        Some(format!(
            "an EventBridge event (source `{}`, detail-type `{}`)",
            source.as_str(),
            detail_type.as_str()
        ))
    }

    fn handle(self: Box<Self>, event: &'e Bytes, context: Context, state: &'e S) -> SourceFuture<'e> {
        let handler = self.handler.expect("a claimed event has its handler");
        let id = self.id;
        Box::pin(async move {
            let id = id.as_ref().map_or("", Text::as_str);
            guard::run_one(id, EventBridgePayload(event.clone()), handler, &context, state)
                .await
                .map(Answer::from)
        })
    }
}
