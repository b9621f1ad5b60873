//! Logs in Lambda's JSON log format.
//!
//! [`run`](crate::run) installs this by default in Lambda: one JSON object per line with
//! `timestamp` (RFC 3339, milliseconds), `level`, `message` and `requestId`, plus
//! `service`, `cold_start`, `function_name`, `function_arn`, `function_memory_size`,
//! `xray_trace_id`, `correlation_id` and the event's own fields. Set
//! `AWS_LAMBDA_LOG_FORMAT=Text` for plain text; local mode writes text unless it is
//! `JSON`. The level comes from `AWS_LAMBDA_LOG_LEVEL`, then `RUST_LOG`, default `info`.
//!
//! To customise, install your own subscriber before `run` (lambdo then leaves it alone)
//! and add [`JsonLogLayer`] to it where you want Lambda's format.
//!
//! ## Sampling and buffering
//!
//! Debug lines that cost nothing until an invocation goes wrong, per invocation:
//!
//! | variable | what |
//! |---|---|
//! | `LAMBDO_LOG_SAMPLE_RATE` (or `POWERTOOLS_LOGGER_SAMPLE_RATE`) | the share of invocations (`0.1`: one in ten) that log at `debug` whatever the level |
//! | `LAMBDO_LOG_BUFFER` | `debug` (or `trace`): an invocation's lines at that level, down to the log level, are held; an invocation that fails or logs an error writes them then, before the error line (in order, with the timestamps they were logged at, which sort them among the lines already written), any other drops them |
//! | `LAMBDO_LOG_BUFFER_BYTES` | the most one invocation holds (default 20,480): past it the oldest lines go, and the flush says how many |
//!
//! Concurrent invocations (Lambda Managed Instances) each have their own sample and
//! buffer; a task a handler spawns is outside its invocation and logs at the log level
//! only. They apply to the JSON format lambdo installs in Lambda, with a plain log level
//! (`AWS_LAMBDA_LOG_LEVEL`, or `RUST_LOG=info`; `RUST_LOG` directives per target turn
//! them off). Without them, lines below the log level are not even formatted; with
//! them, they are formatted and then kept or dropped.

mod sampling;

pub(crate) use sampling::{scoped, InvocationLogs};
pub use sampling::{LogPolicy, DEFAULT_BUFFER_BYTES};

use std::{borrow::Cow, future::Future, io::Write, sync::Arc, time::SystemTime};

use serde_json::Value;
use tracing::{
    field::{Field, Visit},
    span, Event, Metadata, Subscriber,
};
use tracing_subscriber::{
    filter::LevelFilter, fmt::MakeWriter, layer::Context as LayerContext, registry::LookupSpan, Layer,
};

/// The name of the span lambdo opens around every invocation.
pub(crate) const INVOCATION_SPAN: &str = "lambdo.invocation";

/// The span each record of a batch runs in; its `correlation_id` is the record's
/// identifier. A record alone in an event that takes no partial response (SNS,
/// EventBridge) runs in the invocation's span instead. The subscriber lambdo installs
/// in Lambda opens none ([`JsonLogLayer::without_record_spans`]).
pub(crate) const RECORD_SPAN: &str = "lambdo.record";

/// The span `lambda_runtime` opens around each invocation: lines logged by the runtime
/// itself (outside lambdo's span) still get the request id from it.
const RUNTIME_SPAN: &str = "Lambda runtime invoke";

/// Keys lambdo writes itself; event fields of the same name are written as `field_<name>`.
const RESERVED: [&str; 12] = [
    "timestamp",
    "level",
    "message",
    "requestId",
    "service",
    "cold_start",
    "function_name",
    "function_arn",
    "function_memory_size",
    "xray_trace_id",
    "correlation_id",
    "target",
];

/// A `tracing` layer that writes Lambda's JSON log format to a writer (stdout by
/// default, which Lambda sends to CloudWatch Logs).
///
/// ```
/// use tracing_subscriber::prelude::*;
///
/// let subscriber = tracing_subscriber::registry().with(lambdo::logs::JsonLogLayer::stdout());
/// tracing::subscriber::with_default(subscriber, || {
///     tracing::info!(order_id = 42, "order placed");
/// });
/// ```
#[derive(Debug)]
pub struct JsonLogLayer<W> {
    make_writer: W,
    process: ProcessFields,
    record_spans: bool,
    /// The log level, when the subscriber lets more verbose lines through for sampling
    /// and buffering (see [`JsonLogLayer::sampling`]).
    level: Option<LevelFilter>,
}

tokio::task_local! {
    /// The identifier of the batch record whose handler is running (in this task, while
    /// its future is polled): every line logged meanwhile carries it as `correlation_id`,
    /// with or without a span per record.
    static RECORD_ID: Arc<str>;
}

/// Runs `work` (a record's handler) with `id` as the `correlation_id` of its lines.
pub(crate) fn in_record<F: Future>(id: &str, work: F) -> impl Future<Output = F::Output> {
    RECORD_ID.scope(Arc::from(id), work)
}

/// What is the same for every line of a process.
#[derive(Debug, Clone, Default)]
struct ProcessFields {
    service: Option<String>,
    function_name: Option<String>,
    function_memory_size: Option<u32>,
}

impl ProcessFields {
    fn from_env() -> Self {
        let var = |name: &str| std::env::var(name).ok().filter(|value| !value.is_empty());
        let function_name = var("AWS_LAMBDA_FUNCTION_NAME");
        ProcessFields {
            service: var("LAMBDO_SERVICE_NAME")
                .or_else(|| var("POWERTOOLS_SERVICE_NAME"))
                .or_else(|| function_name.clone()),
            function_name,
            function_memory_size: var("AWS_LAMBDA_FUNCTION_MEMORY_SIZE").and_then(|size| size.parse().ok()),
        }
    }
}

impl JsonLogLayer<fn() -> std::io::Stdout> {
    /// Lines to stdout; service and function from Lambda's environment
    /// (`LAMBDO_SERVICE_NAME` or `POWERTOOLS_SERVICE_NAME` name the service, else the
    /// function name).
    pub fn stdout() -> Self {
        JsonLogLayer::new(std::io::stdout)
    }
}

impl<W> JsonLogLayer<W>
where
    W: for<'w> MakeWriter<'w> + 'static,
{
    /// Lines to `make_writer` (e.g. a test buffer).
    ///
    /// ```
    /// let layer = lambdo::logs::JsonLogLayer::new(std::io::stderr);
    /// # let _ = layer;
    /// ```
    pub fn new(make_writer: W) -> Self {
        JsonLogLayer {
            make_writer,
            process: ProcessFields::from_env(),
            record_spans: true,
            level: None,
        }
    }

    /// Samples and buffers invocations' lines as `policy` says (see the module's
    /// docs), `level` being the log level. The subscriber's filter must let through
    /// what the policy needs ([`LogPolicy::widened`]); lambdo's own subscriber sets
    /// this from the environment.
    ///
    /// ```
    /// use lambdo::logs::{JsonLogLayer, LogPolicy};
    /// use tracing_subscriber::{filter::LevelFilter, prelude::*};
    ///
    /// let policy = LogPolicy { sample_rate: 0.05, buffer: Some(tracing::Level::DEBUG), buffer_bytes: 16 * 1024 };
    /// let subscriber = tracing_subscriber::registry()
    ///     .with(policy.widened(LevelFilter::INFO))
    ///     .with(JsonLogLayer::stdout().sampling(LevelFilter::INFO, policy));
    /// # let _ = subscriber;
    /// ```
    pub fn sampling(self, level: LevelFilter, policy: LogPolicy) -> Self {
        sampling::set_policy(policy);
        self.at_level(level)
    }

    /// Writes lines more verbose than `level` only as their invocation's sample and
    /// buffer say.
    fn at_level(mut self, level: LevelFilter) -> Self {
        self.level = Some(level);
        self
    }

    /// Turns off lambdo's span per batch record (`lambdo.record`) for the whole
    /// subscriber: the record's identifier still reaches each of its lines as
    /// `correlation_id`, and no span is opened and closed per record. For a subscriber
    /// in which this layer is the only reader of spans, as in the one [`run`](crate::run)
    /// installs in Lambda; with other layers (OpenTelemetry, text), keep the spans.
    /// The id belongs to the record's own future: a task its handler spawns does not
    /// carry it (`.in_current_span()` passes on the invocation's span and its request
    /// id, not the record's id).
    ///
    /// ```
    /// use tracing_subscriber::prelude::*;
    ///
    /// let subscriber = tracing_subscriber::registry()
    ///     .with(lambdo::logs::JsonLogLayer::stdout().without_record_spans());
    /// # let _ = subscriber;
    /// ```
    pub fn without_record_spans(mut self) -> Self {
        self.record_spans = false;
        self
    }

    /// Whether this layer has the whole subscriber skip `metadata`.
    fn skips(&self, metadata: &Metadata<'_>) -> bool {
        !self.record_spans
            && metadata.is_span()
            && metadata.name() == RECORD_SPAN
            && metadata.target().starts_with("lambdo")
    }
}

/// The fields of lambdo's invocation span. Shared strings: every line of the
/// invocation takes them, and taking one is then a count, not a copy.
#[derive(Debug, Default, Clone)]
struct InvocationFields {
    request_id: Option<Arc<str>>,
    function_arn: Option<Arc<str>>,
    xray_trace_id: Option<Arc<str>>,
    correlation_id: Option<Arc<str>>,
    cold_start: Option<bool>,
}

impl InvocationFields {
    /// Takes what `inner` (a span further in) knows.
    fn overlay(&mut self, inner: &InvocationFields) {
        let take = |mine: &mut Option<Arc<str>>, theirs: &Option<Arc<str>>| {
            if theirs.is_some() {
                mine.clone_from(theirs);
            }
        };
        take(&mut self.request_id, &inner.request_id);
        take(&mut self.function_arn, &inner.function_arn);
        take(&mut self.xray_trace_id, &inner.xray_trace_id);
        take(&mut self.correlation_id, &inner.correlation_id);
        self.cold_start = inner.cold_start.or(self.cold_start);
    }
}

impl InvocationFields {
    /// Where the span field `name` is kept, if lambdo's lines carry it.
    fn slot(&mut self, name: &str) -> Option<&mut Option<Arc<str>>> {
        match name {
            "request_id" | "requestId" => Some(&mut self.request_id),
            "function_arn" => Some(&mut self.function_arn),
            "xray_trace_id" | "xrayTraceId" => Some(&mut self.xray_trace_id),
            "correlation_id" => Some(&mut self.correlation_id),
            _ => None,
        }
    }
}

impl Visit for InvocationFields {
    fn record_str(&mut self, field: &Field, value: &str) {
        if let Some(slot) = self.slot(field.name()) {
            *slot = Some(Arc::from(value));
        }
    }

    fn record_bool(&mut self, field: &Field, value: bool) {
        if field.name() == "cold_start" {
            self.cold_start = Some(value);
        }
    }

    /// Formatted only for the fields lambdo keeps.
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        if let Some(slot) = self.slot(field.name()) {
            *slot = Some(Arc::from(format!("{value:?}")));
        }
    }
}

/// An event's fields as JSON values, in the order they were recorded; `message` kept
/// apart. Field names are the event's own `&'static str`s, not copies.
#[derive(Default)]
struct EventFields {
    message: String,
    fields: Vec<(Cow<'static, str>, Value)>,
}

impl EventFields {
    fn insert(&mut self, field: &Field, value: Value) {
        let name = field.name();
        if name == "message" {
            self.message = match value {
                Value::String(text) => text,
                other => other.to_string(),
            };
            return;
        }
        let name = if RESERVED.contains(&name) {
            Cow::Owned(format!("field_{name}"))
        } else {
            Cow::Borrowed(name)
        };
        // A name recorded again replaces its value, as a JSON object keeps one.
        match self.fields.iter_mut().find(|(known, _)| *known == name) {
            Some((_, known)) => *known = value,
            None => self.fields.push((name, value)),
        }
    }
}

impl Visit for EventFields {
    fn record_str(&mut self, field: &Field, value: &str) {
        self.insert(field, Value::from(value));
    }

    fn record_bool(&mut self, field: &Field, value: bool) {
        self.insert(field, Value::from(value));
    }

    fn record_i64(&mut self, field: &Field, value: i64) {
        self.insert(field, Value::from(value));
    }

    fn record_u64(&mut self, field: &Field, value: u64) {
        self.insert(field, Value::from(value));
    }

    fn record_f64(&mut self, field: &Field, value: f64) {
        self.insert(field, Value::from(value));
    }

    fn record_error(&mut self, field: &Field, value: &(dyn std::error::Error + 'static)) {
        self.insert(field, Value::from(value.to_string()));
    }

    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        self.insert(field, Value::from(format!("{value:?}")));
    }
}

/// One line of Lambda's JSON log format.
struct Line<'a> {
    timestamp: humantime::Rfc3339Timestamp,
    level: &'a str,
    message: &'a str,
    request_id: Option<&'a str>,
    service: Option<&'a str>,
    cold_start: Option<bool>,
    function_name: Option<&'a str>,
    function_arn: Option<&'a str>,
    function_memory_size: Option<u32>,
    xray_trace_id: Option<&'a str>,
    correlation_id: Option<&'a str>,
    target: &'a str,
    fields: &'a [(Cow<'static, str>, Value)],
}

impl Line<'_> {
    /// The line's JSON object and a newline. Written here rather than by `serde_json`'s
    /// serializer, which took half of a line's cost: lambdo's keys are constants written
    /// as they are, and a string is copied whole unless it holds something JSON escapes
    /// (then `serde_json` writes it).
    fn to_bytes(&self) -> Vec<u8> {
        // Room for a typical line up front, so the buffer is not grown (and copied)
        // several times on the way.
        let mut line = Vec::with_capacity(512);
        line.extend_from_slice(b"{\"timestamp\":\"");
        let _ = write!(line, "{}", self.timestamp);
        line.extend_from_slice(b"\",\"level\":");
        json_str(&mut line, self.level);
        line.extend_from_slice(b",\"message\":");
        json_str(&mut line, self.message);
        let text = |line: &mut Vec<u8>, key: &str, value: Option<&str>| {
            if let Some(value) = value {
                own_key(line, key);
                json_str(line, value);
            }
        };
        text(&mut line, "requestId", self.request_id);
        text(&mut line, "service", self.service);
        if let Some(cold_start) = self.cold_start {
            own_key(&mut line, "cold_start");
            let _ = write!(line, "{cold_start}");
        }
        text(&mut line, "function_name", self.function_name);
        text(&mut line, "function_arn", self.function_arn);
        if let Some(size) = self.function_memory_size {
            own_key(&mut line, "function_memory_size");
            let _ = write!(line, "{size}");
        }
        text(&mut line, "xray_trace_id", self.xray_trace_id);
        text(&mut line, "correlation_id", self.correlation_id);
        text(&mut line, "target", Some(self.target));
        for (name, value) in self.fields {
            json_key(&mut line, name);
            match value {
                Value::String(value) => json_str(&mut line, value),
                other => {
                    let _ = serde_json::to_writer(&mut line, other);
                }
            }
        }
        line.extend_from_slice(b"}\n");
        line
    }
}

/// `,"key":` for one of lambdo's own keys, which need no escaping.
fn own_key(line: &mut Vec<u8>, key: &str) {
    line.extend_from_slice(b",\"");
    line.extend_from_slice(key.as_bytes());
    line.extend_from_slice(b"\":");
}

/// `,"name":` for an event's field, escaped as its name needs.
fn json_key(line: &mut Vec<u8>, name: &str) {
    line.push(b',');
    json_str(line, name);
    line.push(b':');
}

/// `text` as a JSON string.
pub(crate) fn json_str(line: &mut Vec<u8>, text: &str) {
    // Every byte looked at, no early exit: the compiler then checks many at a time.
    let plain = text.bytes().fold(true, |plain, byte| {
        plain & (byte >= 0x20) & (byte != b'"') & (byte != b'\\')
    });
    if plain {
        line.reserve(text.len() + 2);
        line.push(b'"');
        line.extend_from_slice(text.as_bytes());
        line.push(b'"');
    } else {
        let _ = serde_json::to_writer(&mut *line, text);
    }
}

impl<S, W> Layer<S> for JsonLogLayer<W>
where
    S: Subscriber + for<'a> LookupSpan<'a>,
    W: for<'w> MakeWriter<'w> + 'static,
{
    fn enabled(&self, metadata: &Metadata<'_>, _: LayerContext<'_, S>) -> bool {
        !self.skips(metadata)
    }

    fn on_new_span(&self, attrs: &span::Attributes<'_>, id: &span::Id, ctx: LayerContext<'_, S>) {
        if !matches!(
            attrs.metadata().name(),
            INVOCATION_SPAN | RUNTIME_SPAN | RECORD_SPAN
        ) {
            return;
        }
        let mut fields = InvocationFields::default();
        attrs.record(&mut fields);
        if let Some(span) = ctx.span(id) {
            span.extensions_mut().insert(fields);
        }
    }

    fn on_record(&self, id: &span::Id, values: &span::Record<'_>, ctx: LayerContext<'_, S>) {
        if let Some(span) = ctx.span(id) {
            if let Some(fields) = span.extensions_mut().get_mut::<InvocationFields>() {
                values.record(fields);
            }
        }
    }

    fn on_event(&self, event: &Event<'_>, ctx: LayerContext<'_, S>) {
        let level = *event.metadata().level();
        // Beyond the log level only for sampling and buffering: kept, held or dropped
        // before anything is formatted.
        let beyond = self.level.is_some_and(|written| level > written);
        let fate = if beyond {
            match sampling::verbose_fate(level) {
                sampling::Fate::Drop => return,
                fate => fate,
            }
        } else {
            sampling::Fate::Write
        };
        let mut recorded = EventFields::default();
        event.record(&mut recorded);
        let mut invocation = InvocationFields::default();
        for span in ctx
            .event_scope(event)
            .into_iter()
            .flat_map(|scope| scope.from_root())
        {
            if let Some(fields) = span.extensions().get::<InvocationFields>() {
                invocation.overlay(fields);
            }
        }
        // The running record's identifier (its span's, when it has one) beats the
        // invocation's.
        if let Ok(id) = RECORD_ID.try_with(Arc::clone) {
            invocation.correlation_id = Some(id);
        }
        let line = Line {
            timestamp: humantime::format_rfc3339_millis(SystemTime::now()),
            level: event.metadata().level().as_str(),
            message: &recorded.message,
            request_id: invocation.request_id.as_deref(),
            service: self.process.service.as_deref(),
            cold_start: invocation.cold_start,
            function_name: self.process.function_name.as_deref(),
            function_arn: invocation.function_arn.as_deref(),
            function_memory_size: self.process.function_memory_size,
            xray_trace_id: invocation.xray_trace_id.as_deref(),
            correlation_id: invocation.correlation_id.as_deref(),
            target: event.metadata().target(),
            fields: &recorded.fields,
        };
        let bytes = line.to_bytes();
        let mut writer = self.make_writer.make_writer();
        match fate {
            sampling::Fate::Held => return sampling::hold(bytes),
            _ if level == tracing::Level::ERROR && self.level.is_some() => {
                // What led to the error first.
                sampling::before_error(&mut writer);
            }
            _ => {}
        }
        // One write per line, so lines from concurrent invocations never interleave.
        let _ = writer.write_all(&bytes);
    }
}

/// What decides which spans and lines are recorded: `AWS_LAMBDA_LOG_LEVEL` (Lambda's
/// `TRACE`…`FATAL`; `FATAL` is `error`), then `RUST_LOG`, default `info`.
#[derive(Debug, Clone, PartialEq)]
enum FilterSetting {
    /// One level for everything: a `LevelFilter`, which decides once per log statement.
    Level(LevelFilter),
    /// Directives per target (`lambdo=debug,hyper=warn`): an `EnvFilter`, which also
    /// looks every span up as it is entered, left and closed, so it is kept for the
    /// settings that need it.
    Directives(String),
}

impl FilterSetting {
    fn new(lambda_level: Option<&str>, rust_log: Option<&str>) -> Self {
        let setting = match lambda_level.map(str::to_ascii_lowercase) {
            Some(level) if level == "fatal" => "error".to_owned(),
            Some(level) => level,
            None => rust_log.unwrap_or("info").to_owned(),
        };
        match setting.trim().parse::<LevelFilter>() {
            Ok(level) => FilterSetting::Level(level),
            Err(_) => FilterSetting::Directives(setting),
        }
    }

    fn from_env() -> Self {
        let var = |name: &str| std::env::var(name).ok().filter(|value| !value.trim().is_empty());
        FilterSetting::new(var("AWS_LAMBDA_LOG_LEVEL").as_deref(), var("RUST_LOG").as_deref())
    }

    fn layer<S: Subscriber + for<'a> LookupSpan<'a>>(self) -> Box<dyn Layer<S> + Send + Sync> {
        match self {
            FilterSetting::Level(level) => Box::new(level),
            FilterSetting::Directives(directives) => Box::new(
                tracing_subscriber::EnvFilter::try_new(&directives)
                    .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
            ),
        }
    }
}

/// A layer installed beside the log layer (the X-Ray tracer), from the registry up.
pub(crate) type Tracer = Box<dyn Layer<tracing_subscriber::Registry> + Send + Sync>;

/// Installs lambdo's default subscriber unless the program has one: JSON in Lambda,
/// text locally, as `AWS_LAMBDA_LOG_FORMAT` may override; `tracer` beside it.
pub(crate) fn install_default(in_lambda: bool, tracer: Option<Tracer>) {
    use tracing_subscriber::prelude::*;
    let json = match std::env::var("AWS_LAMBDA_LOG_FORMAT") {
        Ok(format) => format.eq_ignore_ascii_case("json"),
        Err(_) => in_lambda,
    };
    let setting = FilterSetting::from_env();
    // A program (or a test) that installed its own subscriber keeps it: `try_init`
    // fails then, and that is fine.
    // Global filters (a level, directives) filter for every layer, whatever their order:
    // the tracer sits right on the registry, so its type need not name the others.
    let registry = tracing_subscriber::registry();
    if json {
        let layer = JsonLogLayer::stdout();
        // A tracer's subsegments per record need the records' spans.
        let layer = if tracer.is_some() {
            layer
        } else {
            layer.without_record_spans()
        };
        let (filter, layer) = match (setting, LogPolicy::from_env()) {
            (FilterSetting::Level(level), Some(policy)) => (
                FilterSetting::Level(policy.widened(level)),
                layer.sampling(level, policy),
            ),
            (setting, _) => (setting, layer),
        };
        let _ = registry.with(tracer).with(filter.layer()).with(layer).try_init();
    } else {
        let text = tracing_subscriber::fmt::layer()
            .with_ansi(!in_lambda)
            .with_writer(std::io::stderr);
        let _ = registry.with(tracer).with(setting.layer()).with(text).try_init();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_plain_level_is_a_level_filter_and_anything_else_directives() {
        let level = |filter: LevelFilter| FilterSetting::Level(filter);
        assert_eq!(FilterSetting::new(None, None), level(LevelFilter::INFO));
        assert_eq!(
            FilterSetting::new(Some("DEBUG"), Some("warn")),
            level(LevelFilter::DEBUG)
        );
        assert_eq!(FilterSetting::new(Some("FATAL"), None), level(LevelFilter::ERROR));
        assert_eq!(FilterSetting::new(None, Some("trace")), level(LevelFilter::TRACE));
        assert_eq!(
            FilterSetting::new(None, Some("lambdo=debug,hyper=warn")),
            FilterSetting::Directives("lambdo=debug,hyper=warn".to_owned())
        );
    }

    /// What a layer under test wrote.
    #[derive(Clone, Default)]
    struct Lines(Arc<std::sync::Mutex<Vec<u8>>>);

    impl std::io::Write for Lines {
        fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(bytes);
            Ok(bytes.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    impl Lines {
        fn text(&self) -> String {
            String::from_utf8(self.0.lock().unwrap().clone()).unwrap()
        }
    }

    /// An event's fields follow lambdo's, in the order they were written; a field named
    /// like one of lambdo's keeps a `field_` prefix.
    #[test]
    fn event_fields_are_written_in_order_after_lambdos() {
        use tracing_subscriber::prelude::*;

        let lines = Lines::default();
        let writer = lines.clone();
        let subscriber = tracing_subscriber::registry().with(JsonLogLayer::new(move || writer.clone()));
        tracing::subscriber::with_default(subscriber, || {
            tracing::info!(zebra = 1, apple = "two", level = "shadowed", ok = true, "fields");
        });
        let text = lines.text();
        let at = |key: &str| {
            text.find(&format!("\"{key}\":"))
                .unwrap_or_else(|| panic!("{key} in {text}"))
        };
        assert!(
            at("timestamp") < at("target") && at("target") < at("zebra"),
            "{text}"
        );
        assert!(at("zebra") < at("apple") && at("apple") < at("field_level") && at("field_level") < at("ok"));
        let line: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(line["level"], "INFO");
        assert_eq!(line["field_level"], "shadowed");
        assert_eq!(
            (line["zebra"].clone(), line["apple"].clone()),
            (1.into(), "two".into())
        );
        let timestamp = line["timestamp"].as_str().unwrap();
        assert!(timestamp.ends_with('Z') && timestamp.len() == "2026-11-28T17:30:11.123Z".len());
    }

    /// Strings are written as `serde_json` writes them, escaped or not; the whole line
    /// is one JSON object on one line, with every value as given.
    #[test]
    fn lines_are_json_whatever_their_strings_hold() {
        let texts = [
            "",
            "plain text, long enough to be checked in more than one chunk of sixteen bytes",
            "a \"quoted\" word",
            "back\\slash",
            "two\nlines\tand a tab\r",
            "control \u{1} \u{1f} and delete \u{7f}",
            "ünïcödé and emoji 🦀",
            "</script>",
        ];
        for text in texts {
            let mut written = Vec::new();
            json_str(&mut written, text);
            assert_eq!(
                String::from_utf8(written).unwrap(),
                serde_json::to_string(text).unwrap()
            );
        }

        let fields: Vec<(Cow<'static, str>, Value)> = texts
            .iter()
            .enumerate()
            .map(|(n, text)| (Cow::Owned(format!("f\"{n}")), Value::from(*text)))
            .chain([
                (Cow::Borrowed("number"), Value::from(-1.5)),
                (Cow::Borrowed("object"), serde_json::json!({"a": [1, "b\n"]})),
                (Cow::Borrowed("nothing"), Value::Null),
            ])
            .collect();
        let line = Line {
            timestamp: humantime::format_rfc3339_millis(SystemTime::UNIX_EPOCH),
            level: "WARN",
            message: texts[4],
            request_id: Some("r-1"),
            service: None,
            cold_start: Some(false),
            function_name: Some("orders"),
            function_arn: None,
            function_memory_size: Some(128),
            xray_trace_id: None,
            correlation_id: Some(texts[2]),
            target: "lambdo::tests",
            fields: &fields,
        };
        let bytes = line.to_bytes();
        let text = std::str::from_utf8(&bytes).unwrap();
        assert_eq!(text.matches('\n').count(), 1, "{text}");
        assert!(text.ends_with("}\n"));
        let parsed: serde_json::Map<String, Value> = serde_json::from_str(text).unwrap();
        let mut expected = serde_json::json!({
            "timestamp": "1970-01-01T00:00:00.000Z",
            "level": "WARN",
            "message": texts[4],
            "requestId": "r-1",
            "cold_start": false,
            "function_name": "orders",
            "function_memory_size": 128,
            "correlation_id": texts[2],
            "target": "lambdo::tests",
        });
        for (name, value) in &fields {
            expected[name.as_ref()] = value.clone();
        }
        assert_eq!(Value::Object(parsed), expected);
    }

    /// Both kinds of filter let through what their setting names, and nothing more.
    #[test]
    fn each_setting_filters_by_its_levels() {
        use tracing_subscriber::prelude::*;

        for (setting, expected) in [
            (FilterSetting::new(Some("WARN"), None), vec!["kept warn"]),
            (
                FilterSetting::new(None, Some("warn,lambdo_filter_test=debug")),
                vec!["kept debug", "kept warn"],
            ),
        ] {
            let lines = Lines::default();
            let writer = lines.clone();
            let subscriber = tracing_subscriber::registry()
                .with(setting.clone().layer())
                .with(JsonLogLayer::new(move || writer.clone()));
            tracing::subscriber::with_default(subscriber, || {
                tracing::debug!(target: "lambdo_filter_test", "kept debug");
                tracing::debug!(target: "elsewhere", "dropped debug");
                tracing::info!(target: "elsewhere", "dropped info");
                tracing::warn!(target: "elsewhere", "kept warn");
            });
            let text = lines.text();
            let messages: Vec<String> = text
                .lines()
                .map(|line| {
                    serde_json::from_str::<Value>(line).unwrap()["message"]
                        .as_str()
                        .unwrap()
                        .to_owned()
                })
                .collect();
            assert_eq!(messages, expected, "{setting:?}");
        }
    }

    mod sampling_and_buffering {
        use std::time::Duration;

        use tracing::Level;
        use tracing_subscriber::prelude::*;

        use super::Lines;
        use crate::logs::{sampling::scoped, InvocationLogs, JsonLogLayer, LevelFilter, LogPolicy};

        fn policy(sample_rate: f64, buffer: Option<Level>, buffer_bytes: usize) -> LogPolicy {
            LogPolicy {
                sample_rate,
                buffer,
                buffer_bytes,
            }
        }

        /// Runs `work` under a subscriber at `info` that lets `debug` through for the
        /// policy, and returns the messages written, with their timestamps.
        fn logged(work: impl std::future::Future<Output = ()>) -> Vec<(String, String)> {
            let lines = Lines::default();
            let writer = lines.clone();
            let subscriber = tracing_subscriber::registry()
                .with(LevelFilter::TRACE)
                .with(JsonLogLayer::new(move || writer.clone()).at_level(LevelFilter::INFO));
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_time()
                .build()
                .unwrap();
            tracing::subscriber::with_default(subscriber, || runtime.block_on(work));
            lines
                .text()
                .lines()
                .map(|line| {
                    let line: serde_json::Value = serde_json::from_str(line).unwrap();
                    let message = line["message"].as_str().unwrap().to_owned();
                    (message, line["timestamp"].as_str().unwrap().to_owned())
                })
                .collect()
        }

        fn messages(logged: &[(String, String)]) -> Vec<&str> {
            logged.iter().map(|(message, _)| message.as_str()).collect()
        }

        fn invocation(policy: &LogPolicy, id: &str) -> Option<std::sync::Arc<InvocationLogs>> {
            Some(std::sync::Arc::new(InvocationLogs::new(policy, id)))
        }

        #[test]
        fn buffered_lines_are_written_only_when_their_invocation_logs_an_error() {
            let buffering = policy(0.0, Some(Level::DEBUG), 20 * 1024);
            let logged = logged(async {
                scoped(invocation(&buffering, "fine"), async {
                    tracing::debug!("fine: looking");
                    tracing::info!("fine: done");
                    tracing::trace!("fine: more verbose than the buffer");
                })
                .await;
                scoped(invocation(&buffering, "failing"), async {
                    tracing::debug!("failing: first");
                    tokio::time::sleep(Duration::from_millis(5)).await;
                    tracing::debug!("failing: second");
                    tokio::time::sleep(Duration::from_millis(5)).await;
                    tracing::error!("failing: the error");
                    tracing::debug!("failing: after the error");
                })
                .await;
                // Outside any invocation: the log level alone.
                tracing::debug!("nobody's");
            });
            assert_eq!(
                messages(&logged),
                [
                    "fine: done",
                    "failing: first",
                    "failing: second",
                    "failing: the error"
                ]
            );
            // Each line keeps the time it was logged at, not the time it was written.
            let stamps: Vec<&str> = logged[1..].iter().map(|(_, stamp)| stamp.as_str()).collect();
            assert!(stamps[0] < stamps[1] && stamps[1] < stamps[2], "{stamps:?}");
        }

        #[test]
        fn a_sampled_invocation_logs_at_debug_and_the_others_do_not() {
            let all = policy(1.0, None, 0);
            let none = policy(0.0, Some(Level::TRACE), 20 * 1024);
            let logged = logged(async {
                scoped(invocation(&all, "sampled"), async {
                    tracing::debug!("sampled: debug");
                    tracing::trace!("sampled: trace is beyond the sample");
                })
                .await;
                scoped(invocation(&none, "unsampled"), async {
                    tracing::debug!("unsampled: debug, held and dropped");
                })
                .await;
            });
            assert_eq!(messages(&logged), ["sampled: debug"]);
        }

        #[test]
        fn past_the_cap_the_oldest_lines_go_and_the_flush_says_how_many() {
            let small = policy(0.0, Some(Level::DEBUG), 1024);
            let logged = logged(async {
                scoped(invocation(&small, "chatty"), async {
                    for n in 0..40 {
                        tracing::debug!(n, "chatty: line {n}");
                    }
                    tracing::error!("chatty: failed");
                })
                .await;
            });
            let messages = messages(&logged);
            let kept = messages.len() - 2;
            assert!((3..40).contains(&kept), "{messages:?}");
            assert!(
                messages[0].starts_with(&format!("{} buffered log lines", 40 - kept)),
                "{}",
                messages[0]
            );
            // The newest lines are the ones kept, in order.
            let expected: Vec<String> = (40 - kept..40).map(|n| format!("chatty: line {n}")).collect();
            assert_eq!(
                &messages[1..=kept],
                expected.iter().map(String::as_str).collect::<Vec<_>>()
            );
            assert_eq!(messages[kept + 1], "chatty: failed");
        }

        #[test]
        fn concurrent_invocations_keep_their_own_buffers() {
            let buffering = policy(0.0, Some(Level::DEBUG), 20 * 1024);
            let logged = logged(async {
                let failing = scoped(invocation(&buffering, "a"), async {
                    tracing::debug!("a: before");
                    tokio::time::sleep(Duration::from_millis(10)).await;
                    tracing::error!("a: failed");
                });
                let fine = scoped(invocation(&buffering, "b"), async {
                    tokio::time::sleep(Duration::from_millis(5)).await;
                    tracing::debug!("b: meanwhile");
                    tokio::time::sleep(Duration::from_millis(10)).await;
                    tracing::info!("b: done");
                });
                tokio::join!(failing, fine);
            });
            assert_eq!(messages(&logged), ["a: before", "a: failed", "b: done"]);
        }
    }
}
