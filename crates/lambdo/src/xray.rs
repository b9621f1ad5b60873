//! Traces in AWS X-Ray: lambdo's invocation, each batch record and your own `tracing`
//! spans (`#[tracing::instrument]` included) as subsegments of the function's segment.
//!
//! With active tracing (`Tracing: Active`), Lambda makes a segment for each sampled
//! invocation and hands its trace header to the function (`Lambda-Runtime-Trace-Id`:
//! `Root=…;Parent=…;Sampled=1`). [`XRayLayer`] turns the spans opened inside the
//! invocation into subsegments under that segment and sends each, when its span
//! closes, to the X-Ray daemon Lambda runs (`AWS_XRAY_DAEMON_ADDRESS`) over its UDP
//! protocol: no collector, no SDK. [`run`](crate::run) installs it in Lambda when that
//! address is set.
//!
//! - The invocation's subsegment (`Invocation`) carries the annotations `ColdStart` and
//!   `Service`, and the failure of a failed invocation as a fault with its cause
//!   (`errorType` and message; a panic is `Lambdo.HandlerPanic`).
//! - A span's fields become the subsegment's metadata (`default` namespace); a field
//!   named `annotation.<key>` becomes the indexed annotation `<key>` (strings, numbers,
//!   booleans), which X-Ray can filter traces by.
//! - A span in which an event at `ERROR` level was logged is marked `error`; boolean
//!   fields `error`, `fault` and `throttle` set as true mark it so too.
//! - A span with `aws.service` and `aws.operation` fields is an AWS call: a subsegment
//!   named after the service in the `aws` namespace, with its `aws.*` fields
//!   (`operation`, `table_name`, `region`…) as its `aws` object. `lambdo-dynamodb`'s
//!   table and idempotency calls open such spans.
//!
//! ```
//! #[tracing::instrument(fields(annotation.customer = customer))]
//! async fn charge(customer: &str, cents: u64) {
//!     // … a subsegment `charge`, annotated customer=…, with `cents` in its metadata …
//! }
//! ```
//!
//! Unsampled invocations (`Sampled=0`), spans outside any invocation and processes
//! without the daemon's address send nothing; a missing daemon never fails or slows an
//! invocation (UDP datagrams, sent without waiting). Concurrent invocations (Lambda
//! Managed Instances) each have their own trace: it is read from each invocation's span.

use std::{
    borrow::Cow,
    collections::hash_map::RandomState,
    hash::{BuildHasher, Hasher},
    io::Write,
    net::{SocketAddr, ToSocketAddrs, UdpSocket},
    sync::{
        atomic::{AtomicU64, Ordering},
        Arc,
    },
    time::SystemTime,
};

use serde_json::{Map, Value};
use tracing::{
    field::{Field, Visit},
    span, Event, Level, Subscriber,
};
use tracing_subscriber::{layer::Context, registry::LookupSpan, Layer};

use crate::logs::{json_str, INVOCATION_SPAN, RECORD_SPAN};

/// The daemon's header line, before each document.
const HEADER: &[u8] = b"{\"format\":\"json\",\"version\":1}\n";

/// A `tracing` layer that sends the spans of sampled invocations to the X-Ray daemon as
/// subsegments (see the [module](self)).
///
/// ```no_run
/// use tracing_subscriber::prelude::*;
///
/// let subscriber = tracing_subscriber::registry().with(lambdo::xray::XRayLayer::from_env());
/// # let _ = subscriber;
/// ```
#[derive(Debug)]
pub struct XRayLayer {
    /// `None`: tracing is off (no daemon address).
    daemon: Option<Daemon>,
    service: Option<String>,
}

#[derive(Debug)]
struct Daemon {
    socket: UdpSocket,
    address: SocketAddr,
}

impl XRayLayer {
    /// Sends to the daemon at `AWS_XRAY_DAEMON_ADDRESS` (`host:port`, or Lambda's
    /// `udp:host:port tcp:host:port`); off without it.
    pub fn from_env() -> Self {
        let address = std::env::var("AWS_XRAY_DAEMON_ADDRESS").ok();
        let address = address.as_deref().and_then(udp_address);
        let service = std::env::var("LAMBDO_SERVICE_NAME")
            .or_else(|_| std::env::var("POWERTOOLS_SERVICE_NAME"))
            .or_else(|_| std::env::var("AWS_LAMBDA_FUNCTION_NAME"))
            .ok();
        XRayLayer::with_daemon(address, service)
    }

    /// Sends to the daemon at `address`; `service` is the `Service` annotation.
    pub fn new(address: SocketAddr, service: impl Into<String>) -> Self {
        XRayLayer::with_daemon(Some(address), Some(service.into()))
    }

    fn with_daemon(address: Option<SocketAddr>, service: Option<String>) -> Self {
        let daemon = address.and_then(|address| {
            let local: SocketAddr = if address.is_ipv4() {
                ([0, 0, 0, 0], 0).into()
            } else {
                (std::net::Ipv6Addr::UNSPECIFIED, 0).into()
            };
            let socket = UdpSocket::bind(local).ok()?;
            // A full socket buffer drops a document rather than wait.
            socket.set_nonblocking(true).ok()?;
            Some(Daemon { socket, address })
        });
        XRayLayer { daemon, service }
    }

    /// Whether documents are sent at all.
    pub fn is_on(&self) -> bool {
        self.daemon.is_some()
    }

    fn send(&self, datagram: &[u8]) {
        if let Some(daemon) = &self.daemon {
            // Never an invocation's failure: a lost document is a gap in a trace.
            let _ = daemon.socket.send_to(datagram, daemon.address);
        }
    }
}

/// The UDP address in an `AWS_XRAY_DAEMON_ADDRESS` value.
fn udp_address(value: &str) -> Option<SocketAddr> {
    let mut parts = value.split_whitespace();
    let address = parts
        .clone()
        .find_map(|part| part.strip_prefix("udp:"))
        .or_else(|| parts.find(|part| !part.starts_with("tcp:")))?;
    address.to_socket_addrs().ok()?.next()
}

/// The trace an invocation belongs to, from its trace header.
#[derive(Debug, Clone, PartialEq)]
struct Trace {
    root: String,
    /// The function segment's id: the invocation's subsegment's parent.
    parent: String,
}

impl Trace {
    /// The trace of a header (`Root=…;Parent=…;Sampled=1`), if it is sampled.
    fn sampled(header: &str) -> Option<Self> {
        let mut root = None;
        let mut parent = None;
        let mut sampled = false;
        for part in header.split(';') {
            match part.trim().split_once('=') {
                Some(("Root", value)) => root = Some(value.to_owned()),
                Some(("Parent", value)) => parent = Some(value.to_owned()),
                Some(("Sampled", value)) => sampled = value == "1",
                _ => {}
            }
        }
        match (root, parent, sampled) {
            (Some(root), Some(parent), true) => Some(Trace { root, parent }),
            _ => None,
        }
    }
}

/// A span's subsegment while it is open.
#[derive(Debug)]
struct Subsegment {
    id: u64,
    name: Cow<'static, str>,
    /// `None` until the span knows its trace (the invocation's span learns it just
    /// after it opens); shared by every subsegment of the invocation.
    trace: Option<Arc<Trace>>,
    /// The parent subsegment's id; `None` for the invocation's (its parent is the
    /// trace's).
    parent_id: Option<u64>,
    start: f64,
    annotations: Map<String, Value>,
    metadata: Map<String, Value>,
    /// An AWS call's `aws` object (`operation`, `table_name`…): the `aws` namespace.
    aws: Map<String, Value>,
    error: bool,
    throttle: bool,
    fault: bool,
    cause: Option<Value>,
    invocation: bool,
}

impl Subsegment {
    /// The datagram of the closed subsegment: the daemon's header line and the
    /// document, written directly (as lambdo's log lines are). Built as a
    /// `serde_json::Value` and serialized, with owned ids and a trace copied per span, a
    /// subsegment cost about 21,000 instructions; this way about 9,000 (callgrind, an SQS
    /// batch of 10: 410.9 k → 297.8 k per invocation, 198.7 k with logs alone), the rest
    /// being the span itself, the clock and the send.
    fn datagram(&self, end: f64) -> Option<Vec<u8>> {
        let trace = self.trace.as_ref()?;
        let mut out = Vec::with_capacity(384);
        out.extend_from_slice(HEADER);
        out.extend_from_slice(b"{\"type\":\"subsegment\",\"name\":");
        json_str(&mut out, &self.name);
        let _ = write!(out, ",\"id\":\"{:016x}\",\"trace_id\":", self.id);
        json_str(&mut out, &trace.root);
        out.extend_from_slice(b",\"parent_id\":");
        match self.parent_id {
            Some(parent) => {
                let _ = write!(out, "\"{parent:016x}\"");
            }
            None => json_str(&mut out, &trace.parent),
        }
        let _ = write!(
            out,
            ",\"start_time\":{:.6},\"end_time\":{:.6}",
            self.start,
            end.max(self.start)
        );
        let object = |out: &mut Vec<u8>, key: &str, map: &Map<String, Value>| {
            if !map.is_empty() {
                let _ = write!(out, ",\"{key}\":");
                let _ = serde_json::to_writer(&mut *out, map);
            }
        };
        object(&mut out, "annotations", &self.annotations);
        if !self.metadata.is_empty() {
            out.extend_from_slice(b",\"metadata\":{\"default\":");
            let _ = serde_json::to_writer(&mut out, &self.metadata);
            out.push(b'}');
        }
        if !self.aws.is_empty() {
            out.extend_from_slice(b",\"namespace\":\"aws\"");
            object(&mut out, "aws", &self.aws);
        }
        if self.fault || self.cause.is_some() {
            out.extend_from_slice(b",\"fault\":true");
        } else if self.throttle {
            out.extend_from_slice(b",\"error\":true,\"throttle\":true");
        } else if self.error {
            out.extend_from_slice(b",\"error\":true");
        }
        if let Some(cause) = &self.cause {
            out.extend_from_slice(b",\"cause\":");
            let _ = serde_json::to_writer(&mut out, cause);
        }
        out.push(b'}');
        Some(out)
    }
}

/// Records a span's fields into its subsegment.
struct Fields<'a> {
    subsegment: &'a mut Subsegment,
}

impl Fields<'_> {
    fn put(&mut self, field: &Field, value: Value) {
        let name = field.name();
        if name == "xray_trace_id" {
            if let Value::String(header) = &value {
                self.subsegment.trace = Trace::sampled(header).map(Arc::new);
            }
            return;
        }
        if self.subsegment.invocation {
            // The invocation's own fields are the function's, in its segment already.
            if name == "cold_start" {
                self.subsegment.annotations.insert("ColdStart".to_owned(), value);
            }
            return;
        }
        let flag = value == Value::Bool(true);
        match name {
            "error" if flag => self.subsegment.error = true,
            "fault" if flag => self.subsegment.fault = true,
            "throttle" if flag => self.subsegment.throttle = true,
            "aws.service" => {
                if let Value::String(service) = value {
                    self.subsegment.name = Cow::Owned(service);
                }
            }
            _ => match (name.strip_prefix("annotation."), name.strip_prefix("aws.")) {
                (Some(key), _) if matches!(value, Value::String(_) | Value::Number(_) | Value::Bool(_)) => {
                    self.subsegment.annotations.insert(annotation_key(key), value);
                }
                (_, Some(key)) => {
                    self.subsegment.aws.insert(key.to_owned(), value);
                }
                _ => {
                    self.subsegment.metadata.insert(name.to_owned(), value);
                }
            },
        }
    }
}

/// An annotation key as X-Ray takes them: letters, digits and underscores.
fn annotation_key(key: &str) -> String {
    key.chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect()
}

impl Visit for Fields<'_> {
    fn record_str(&mut self, field: &Field, value: &str) {
        self.put(field, value.into());
    }
    fn record_bool(&mut self, field: &Field, value: bool) {
        self.put(field, value.into());
    }
    fn record_i64(&mut self, field: &Field, value: i64) {
        self.put(field, value.into());
    }
    fn record_u64(&mut self, field: &Field, value: u64) {
        self.put(field, value.into());
    }
    fn record_f64(&mut self, field: &Field, value: f64) {
        self.put(field, value.into());
    }
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        self.put(field, format!("{value:?}").into());
    }
}

/// The error type and message of lambdo's "the invocation failed" event.
#[derive(Default)]
struct Failure {
    error_type: Option<String>,
    error: Option<String>,
}

impl Visit for Failure {
    fn record_str(&mut self, field: &Field, value: &str) {
        match field.name() {
            "error_type" => self.error_type = Some(value.to_owned()),
            "error" => self.error = Some(value.to_owned()),
            _ => {}
        }
    }
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        match field.name() {
            "error_type" => self.error_type = Some(format!("{value:?}")),
            "error" => self.error = Some(format!("{value:?}")),
            _ => {}
        }
    }
}

/// Seconds since the epoch, as X-Ray writes times.
fn now() -> f64 {
    SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0.0, |since| since.as_secs_f64())
}

/// A new subsegment id (written as 16 hex digits), unpredictable and unique in the
/// process.
fn subsegment_id() -> u64 {
    static KEYS: std::sync::OnceLock<RandomState> = std::sync::OnceLock::new();
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let mut hasher = KEYS.get_or_init(RandomState::new).build_hasher();
    hasher.write_u64(COUNTER.fetch_add(1, Ordering::Relaxed));
    hasher.finish()
}

impl<S> Layer<S> for XRayLayer
where
    S: Subscriber + for<'a> LookupSpan<'a>,
{
    fn on_new_span(&self, attrs: &span::Attributes<'_>, id: &span::Id, ctx: Context<'_, S>) {
        if self.daemon.is_none() {
            return;
        }
        let Some(span) = ctx.span(id) else {
            return;
        };
        let metadata = attrs.metadata();
        let invocation = metadata.name() == INVOCATION_SPAN;
        // A span is traced inside a traced invocation only.
        let parent = span.parent().and_then(|parent| {
            let extensions = parent.extensions();
            let subsegment = extensions.get::<Subsegment>()?;
            Some((subsegment.id, subsegment.trace.clone()))
        });
        let (parent_id, trace) = match (invocation, parent) {
            (true, _) => (None, None),
            (false, Some((id, Some(trace)))) => (Some(id), Some(trace)),
            (false, _) => return,
        };
        let name = Cow::Borrowed(match metadata.name() {
            INVOCATION_SPAN => "Invocation",
            RECORD_SPAN => "Record",
            name => name,
        });
        let mut subsegment = Subsegment {
            id: subsegment_id(),
            name,
            trace,
            parent_id,
            start: now(),
            annotations: Map::new(),
            metadata: Map::new(),
            aws: Map::new(),
            error: false,
            throttle: false,
            fault: false,
            cause: None,
            invocation,
        };
        if invocation {
            if let Some(service) = &self.service {
                subsegment
                    .annotations
                    .insert("Service".to_owned(), service.clone().into());
            }
        }
        attrs.record(&mut Fields {
            subsegment: &mut subsegment,
        });
        span.extensions_mut().insert(subsegment);
    }

    fn on_record(&self, id: &span::Id, values: &span::Record<'_>, ctx: Context<'_, S>) {
        if let Some(span) = ctx.span(id) {
            if let Some(subsegment) = span.extensions_mut().get_mut::<Subsegment>() {
                values.record(&mut Fields { subsegment });
            }
        }
    }

    fn on_event(&self, event: &Event<'_>, ctx: Context<'_, S>) {
        if self.daemon.is_none() || *event.metadata().level() != Level::ERROR {
            return;
        }
        let Some(span) = ctx.event_span(event) else {
            return;
        };
        let mut extensions = span.extensions_mut();
        let Some(subsegment) = extensions.get_mut::<Subsegment>() else {
            return;
        };
        subsegment.error = true;
        if subsegment.invocation {
            // lambdo's own line for a failed invocation: the fault and its cause.
            let mut failure = Failure::default();
            event.record(&mut failure);
            if let Some(error_type) = failure.error_type {
                subsegment.cause = Some(serde_json::json!({
                    "exceptions": [{
                        "id": format!("{:016x}", subsegment_id()),
                        "type": error_type,
                        "message": failure.error.unwrap_or_default(),
                    }]
                }));
            }
        }
    }

    fn on_close(&self, id: span::Id, ctx: Context<'_, S>) {
        let Some(span) = ctx.span(&id) else {
            return;
        };
        let datagram = span
            .extensions_mut()
            .remove::<Subsegment>()
            .and_then(|subsegment| subsegment.datagram(now()));
        if let Some(datagram) = datagram {
            self.send(&datagram);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_sampled_headers_are_traced() {
        let header = "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1";
        assert_eq!(
            Trace::sampled(header),
            Some(Trace {
                root: "1-5759e988-bd862e3fe1be46a994272793".into(),
                parent: "53995c3f42cd8ad8".into()
            })
        );
        assert_eq!(Trace::sampled(&header.replace("Sampled=1", "Sampled=0")), None);
        assert_eq!(Trace::sampled("Root=1-5759e988-bd862e3fe1be46a994272793"), None);
    }

    #[test]
    fn the_daemon_address_is_read_as_lambda_writes_it() {
        let udp = |value| udp_address(value).map(|address| address.to_string());
        assert_eq!(udp("169.254.79.129:2000").as_deref(), Some("169.254.79.129:2000"));
        assert_eq!(
            udp("tcp:127.0.0.1:2000 udp:127.0.0.2:2001").as_deref(),
            Some("127.0.0.2:2001")
        );
        assert_eq!(udp("not an address"), None);
    }

    #[test]
    fn subsegment_ids_differ() {
        assert_ne!(subsegment_id(), subsegment_id());
    }
}
