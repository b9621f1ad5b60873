//! CloudWatch metrics in Embedded Metric Format (EMF).
//!
//! Take [`Metrics`] as a handler argument (any source, HTTP routes too), record values,
//! and lambdo writes them as EMF lines on stdout when the invocation ends, whether it
//! succeeded or failed. CloudWatch turns those lines into metrics: no API calls, no
//! latency. The first invocation of a process also records a `ColdStart` metric.
//!
//! Namespace: `LAMBDO_METRICS_NAMESPACE` or `POWERTOOLS_METRICS_NAMESPACE`, else the
//! service name. Service (a dimension of every metric unless the handler sets its own
//! `service` dimension): `LAMBDO_SERVICE_NAME` or `POWERTOOLS_SERVICE_NAME`, else the
//! function name. [`App::metrics`](crate::App::metrics) sets both in code.
//!
//! CloudWatch's limits are checked as values are recorded: at most 30 dimensions (a
//! clear [`MetricsError`]); more than 100 metrics, or 100 values of one metric, are split
//! over several EMF objects. Values recorded after the invocation ended (from a task
//! the handler spawned and did not await) are not written.
//!
//! ```
//! use lambdo::{metrics::{Metrics, Unit}, FunctionError, Json};
//!
//! async fn resize(metrics: Metrics, Json(sizes): Json<Vec<u64>>) -> Result<(), FunctionError> {
//!     for size in sizes {
//!         metrics.add("ImageBytes", Unit::Bytes, size as f64)?;
//!     }
//!     metrics.add_high_resolution("Resized", Unit::Count, 1.0)?;
//!     Ok(())
//! }
//! let app = lambdo::App::new(()).invoke(resize);
//! # let _ = app;
//! ```

use std::{
    cell::RefCell,
    collections::BTreeMap,
    sync::{Arc, Mutex},
    time::{SystemTime, UNIX_EPOCH},
};

use serde_json::{json, Map, Value};

use crate::{Context, Error, FromContext};

/// At most this many metrics in one EMF object (CloudWatch's limit); more are split.
pub const MAX_METRICS_PER_OBJECT: usize = 100;
/// At most this many dimensions on a metric (CloudWatch's limit).
pub const MAX_DIMENSIONS: usize = 30;
/// At most this many values of one metric in one EMF object.
const MAX_VALUES_PER_METRIC: usize = 100;

/// The unit of a metric, as CloudWatch names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
#[allow(missing_docs)]
pub enum Unit {
    None,
    Count,
    Percent,
    Seconds,
    Milliseconds,
    Microseconds,
    Bytes,
    Kilobytes,
    Megabytes,
    CountPerSecond,
    BytesPerSecond,
}

impl Unit {
    /// CloudWatch's name for the unit.
    ///
    /// ```
    /// assert_eq!(lambdo::metrics::Unit::CountPerSecond.as_str(), "Count/Second");
    /// ```
    pub fn as_str(self) -> &'static str {
        match self {
            Unit::None => "None",
            Unit::Count => "Count",
            Unit::Percent => "Percent",
            Unit::Seconds => "Seconds",
            Unit::Milliseconds => "Milliseconds",
            Unit::Microseconds => "Microseconds",
            Unit::Bytes => "Bytes",
            Unit::Kilobytes => "Kilobytes",
            Unit::Megabytes => "Megabytes",
            Unit::CountPerSecond => "Count/Second",
            Unit::BytesPerSecond => "Bytes/Second",
        }
    }
}

/// Why a metric could not be recorded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum MetricsError {
    /// A 31st dimension.
    #[error("a metric may have at most {MAX_DIMENSIONS} dimensions; `{0}` would be one more")]
    TooManyDimensions(String),
    /// An empty metric or dimension name.
    #[error("metric and dimension names must not be empty")]
    EmptyName,
    /// A NaN or infinite value, which CloudWatch cannot store.
    #[error("metric `{0}` got a value that is not a finite number")]
    NotFinite(String),
    /// The same metric recorded with two units.
    #[error("metric `{name}` was recorded in {first} and then in {second}")]
    UnitMismatch {
        /// The metric.
        name: String,
        /// Its first unit.
        first: &'static str,
        /// The unit it was then recorded with.
        second: &'static str,
    },
}

/// So handlers returning [`FunctionError`](crate::FunctionError) can use `?`: the
/// `errorType` is `Lambdo.Metrics`.
///
/// ```
/// use lambdo::{metrics::{Metrics, Unit}, FunctionError};
///
/// fn record(metrics: &Metrics) -> Result<(), FunctionError> {
///     metrics.add("", Unit::Count, 1.0)?;
///     Ok(())
/// }
/// assert_eq!(record(&Metrics::new()).unwrap_err().error_type(), "Lambdo.Metrics");
/// ```
impl From<MetricsError> for crate::FunctionError {
    fn from(error: MetricsError) -> Self {
        crate::FunctionError::new("Lambdo.Metrics", error.to_string())
    }
}

#[derive(Debug, Clone)]
struct Metric {
    unit: Unit,
    high_resolution: bool,
    values: Vec<f64>,
}

#[derive(Debug, Default)]
struct Recorded {
    metrics: BTreeMap<String, Metric>,
    dimensions: Vec<(String, String)>,
    metadata: Map<String, Value>,
}

/// The metrics of one invocation; a handler argument.
///
/// ```
/// use lambdo::metrics::{Metrics, Unit};
///
/// async fn place_order(metrics: Metrics, lambdo::Json(lines): lambdo::Json<Vec<u32>>) -> Result<usize, lambdo::BoxError> {
///     metrics.add("OrdersPlaced", Unit::Count, 1.0)?;
///     metrics.add("OrderLines", Unit::Count, lines.len() as f64)?;
///     metrics.dimension("channel", "web")?;
///     Ok(lines.len())
/// }
/// let _ = lambdo::App::new(()).invoke(place_order);
/// ```
#[derive(Debug, Clone, Default)]
pub struct Metrics {
    recorded: Arc<Mutex<Recorded>>,
}

impl Metrics {
    /// A fresh, empty set (lambdo makes one per invocation).
    pub fn new() -> Self {
        Metrics::default()
    }

    /// Records `value` of metric `name` (standard, one-minute resolution).
    pub fn add(&self, name: &str, unit: Unit, value: f64) -> Result<(), MetricsError> {
        self.record(name, unit, value, false)
    }

    /// Records `value` of metric `name` at one-second resolution.
    ///
    /// ```
    /// let metrics = lambdo::metrics::Metrics::new();
    /// metrics.add_high_resolution("QueueLag", lambdo::metrics::Unit::Milliseconds, 12.5).unwrap();
    /// ```
    pub fn add_high_resolution(&self, name: &str, unit: Unit, value: f64) -> Result<(), MetricsError> {
        self.record(name, unit, value, true)
    }

    /// Adds a dimension to every metric of this invocation.
    ///
    /// ```
    /// let metrics = lambdo::metrics::Metrics::new();
    /// // 29 of the handler's and lambdo's `service` make CloudWatch's 30.
    /// for n in 0..29 {
    ///     metrics.dimension(&format!("d{n}"), "x").unwrap();
    /// }
    /// assert!(metrics.dimension("one_too_many", "x").is_err());
    /// ```
    pub fn dimension(&self, name: &str, value: &str) -> Result<(), MetricsError> {
        if name.is_empty() {
            return Err(MetricsError::EmptyName);
        }
        let mut recorded = self.recorded.lock().expect("metrics lock");
        if let Some(existing) = recorded.dimensions.iter_mut().find(|(n, _)| n == name) {
            existing.1 = value.to_owned();
            return Ok(());
        }
        // The `service` dimension lambdo adds (unless set here) counts against the limit.
        let has_service = name == "service" || recorded.dimensions.iter().any(|(n, _)| n == "service");
        if recorded.dimensions.len() + 1 + usize::from(!has_service) > MAX_DIMENSIONS {
            return Err(MetricsError::TooManyDimensions(name.to_owned()));
        }
        recorded.dimensions.push((name.to_owned(), value.to_owned()));
        Ok(())
    }

    /// Adds a searchable key to the log line that is not a dimension (e.g. an order id).
    ///
    /// ```
    /// lambdo::metrics::Metrics::new().metadata("order_id", "o-17");
    /// ```
    pub fn metadata(&self, key: &str, value: impl Into<Value>) {
        let mut recorded = self.recorded.lock().expect("metrics lock");
        recorded.metadata.insert(key.to_owned(), value.into());
    }

    fn record(&self, name: &str, unit: Unit, value: f64, high_resolution: bool) -> Result<(), MetricsError> {
        if name.is_empty() {
            return Err(MetricsError::EmptyName);
        }
        if !value.is_finite() {
            return Err(MetricsError::NotFinite(name.to_owned()));
        }
        let mut recorded = self.recorded.lock().expect("metrics lock");
        // The name is copied once, when the metric first appears.
        if !recorded.metrics.contains_key(name) {
            let metric = Metric {
                unit,
                high_resolution,
                values: Vec::new(),
            };
            recorded.metrics.insert(name.to_owned(), metric);
        }
        let metric = recorded.metrics.get_mut(name).expect("inserted above");
        if metric.unit != unit {
            return Err(MetricsError::UnitMismatch {
                name: name.to_owned(),
                first: metric.unit.as_str(),
                second: unit.as_str(),
            });
        }
        metric.high_resolution |= high_resolution;
        metric.values.push(value);
        Ok(())
    }

    /// The EMF objects for what was recorded, one JSON line each; empty if nothing was.
    /// Takes the metrics out, so a second flush writes nothing new.
    ///
    /// ```
    /// use lambdo::metrics::{Metrics, MetricsConfig, Unit};
    ///
    /// let metrics = Metrics::new();
    /// metrics.add("Saved", Unit::Count, 1.0).unwrap();
    /// let lines = metrics.take_emf(&MetricsConfig::new("shop", "orders"), 1_700_000_000_000);
    /// let object: serde_json::Value = serde_json::from_str(&lines[0]).unwrap();
    /// assert_eq!(object["Saved"], 1.0);
    /// assert_eq!(object["_aws"]["CloudWatchMetrics"][0]["Namespace"], "shop");
    /// ```
    pub fn take_emf(&self, config: &MetricsConfig, timestamp_ms: u128) -> Vec<String> {
        let recorded = std::mem::take(&mut *self.recorded.lock().expect("metrics lock"));
        emf_lines(config, recorded, timestamp_ms)
    }
}

/// Takes one EMF line.
type LineWriter = Arc<dyn Fn(&str) + Send + Sync>;

/// Where a function's metrics go: their namespace, the `service` dimension, and the
/// writer of the EMF lines (stdout, which Lambda sends to CloudWatch Logs).
///
/// ```
/// use std::sync::{Arc, Mutex};
/// use lambdo::metrics::MetricsConfig;
///
/// let lines = Arc::new(Mutex::new(Vec::new()));
/// let sink = Arc::clone(&lines);
/// let config = MetricsConfig::new("Shop", "orders").writer(move |line| sink.lock().unwrap().push(line.to_owned()));
/// let app = lambdo::App::new(()).metrics(config);
/// # let _ = app;
/// ```
#[derive(Clone)]
pub struct MetricsConfig {
    namespace: String,
    service: String,
    sink: Sink,
}

/// Where EMF lines go.
#[derive(Clone)]
enum Sink {
    Stdout,
    Writer(LineWriter),
    /// An in-process function's default until [`crate::run`] serves it.
    Unserved,
}

impl std::fmt::Debug for MetricsConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MetricsConfig")
            .field("namespace", &self.namespace)
            .field("service", &self.service)
            .field(
                "writer",
                &match self.sink {
                    Sink::Stdout => "stdout",
                    Sink::Writer(_) => "custom",
                    Sink::Unserved => "stdout once served",
                },
            )
            .finish()
    }
}

impl MetricsConfig {
    /// Metrics in `namespace`, with a `service` dimension, written to stdout.
    ///
    /// ```
    /// let config = lambdo::metrics::MetricsConfig::new("Shop", "orders");
    /// assert_eq!(config.namespace(), "Shop");
    /// ```
    pub fn new(namespace: impl Into<String>, service: impl Into<String>) -> Self {
        MetricsConfig {
            namespace: namespace.into(),
            service: service.into(),
            sink: Sink::Stdout,
        }
    }

    /// From the environment (see the module docs); what an [`App`](crate::App) uses
    /// unless given another.
    ///
    /// ```
    /// let config = lambdo::metrics::MetricsConfig::from_env();
    /// assert!(!config.service().is_empty());
    /// ```
    pub fn from_env() -> Self {
        let var = |name: &str| std::env::var(name).ok().filter(|value| !value.is_empty());
        let service = var("LAMBDO_SERVICE_NAME")
            .or_else(|| var("POWERTOOLS_SERVICE_NAME"))
            .or_else(|| var("AWS_LAMBDA_FUNCTION_NAME"))
            .unwrap_or_else(|| "service_undefined".to_owned());
        let namespace = var("LAMBDO_METRICS_NAMESPACE")
            .or_else(|| var("POWERTOOLS_METRICS_NAMESPACE"))
            .unwrap_or_else(|| service.clone());
        MetricsConfig::new(namespace, service)
    }

    /// Sends each EMF line (without its newline) to `writer` instead of stdout.
    pub fn writer(mut self, writer: impl Fn(&str) + Send + Sync + 'static) -> Self {
        self.sink = Sink::Writer(Arc::new(writer));
        self
    }

    /// What an app without [`App::metrics`](crate::App::metrics) gets: the environment's
    /// names, written to stdout once [`crate::run`] serves the function. Functions
    /// called in-process (tests, benchmarks) write nothing unless configured.
    pub(crate) fn default_for_app() -> Self {
        MetricsConfig {
            sink: Sink::Unserved,
            ..MetricsConfig::from_env()
        }
    }

    /// The config a served function uses: an unserved default now writes to stdout.
    pub(crate) fn served(&self) -> Option<Self> {
        matches!(self.sink, Sink::Unserved).then(|| MetricsConfig {
            sink: Sink::Stdout,
            ..self.clone()
        })
    }

    /// The CloudWatch namespace.
    pub fn namespace(&self) -> &str {
        &self.namespace
    }

    /// The value of the `service` dimension.
    pub fn service(&self) -> &str {
        &self.service
    }

    /// Writes what `metrics` recorded, plus the `ColdStart` metric when `cold_start`
    /// names the function of a first invocation.
    pub(crate) fn flush(&self, metrics: Option<&Metrics>, cold_start: Option<&str>) {
        if metrics.is_none() && cold_start.is_none() {
            return;
        }
        let timestamp = now_ms();
        let mut lines = Vec::new();
        if let Some(function_name) = cold_start {
            let cold = Metrics::new();
            let _ = cold.add("ColdStart", Unit::Count, 1.0);
            let _ = cold.dimension("function_name", function_name);
            lines.extend(cold.take_emf(self, timestamp));
        }
        if let Some(metrics) = metrics {
            lines.extend(metrics.take_emf(self, timestamp));
        }
        match &self.sink {
            Sink::Writer(writer) => lines.iter().for_each(|line| writer(line)),
            Sink::Stdout if !lines.is_empty() => {
                use std::io::Write;
                let mut text = lines.join("\n");
                text.push('\n');
                // One write, so the lines do not interleave with log lines.
                let _ = std::io::stdout().lock().write_all(text.as_bytes());
            }
            Sink::Stdout | Sink::Unserved => {}
        }
    }
}

fn emf_lines(config: &MetricsConfig, recorded: Recorded, timestamp_ms: u128) -> Vec<String> {
    let mut dimensions = Vec::with_capacity(recorded.dimensions.len() + 1);
    if !recorded.dimensions.iter().any(|(name, _)| name == "service") {
        dimensions.push(("service".to_owned(), config.service.clone()));
    }
    dimensions.extend(recorded.dimensions);
    let dimension_names: Vec<&str> = dimensions.iter().map(|(name, _)| name.as_str()).collect();

    // Round k carries every metric's k-th chunk of at most 100 values; each round is
    // then cut into objects of at most 100 metrics. A metric appears once per object.
    let rounds = recorded
        .metrics
        .values()
        .map(|metric| metric.values.len().div_ceil(MAX_VALUES_PER_METRIC))
        .max()
        .unwrap_or(0);
    let mut lines = Vec::new();
    for round in 0..rounds {
        let entries: Vec<(&String, &Metric, &[f64])> = recorded
            .metrics
            .iter()
            .filter_map(|(name, metric)| {
                let values = metric.values.chunks(MAX_VALUES_PER_METRIC).nth(round)?;
                Some((name, metric, values))
            })
            .collect();
        for group in entries.chunks(MAX_METRICS_PER_OBJECT) {
            lines.push(emf_object(
                config,
                &dimensions,
                &dimension_names,
                &recorded.metadata,
                group,
                timestamp_ms,
            ));
        }
    }
    lines
}

fn emf_object(
    config: &MetricsConfig,
    dimensions: &[(String, String)],
    dimension_names: &[&str],
    metadata: &Map<String, Value>,
    metrics: &[(&String, &Metric, &[f64])],
    timestamp_ms: u128,
) -> String {
    let definitions: Vec<Value> = metrics
        .iter()
        .map(|(name, metric, _)| {
            let mut definition = json!({ "Name": name, "Unit": metric.unit.as_str() });
            if metric.high_resolution {
                definition["StorageResolution"] = json!(1);
            }
            definition
        })
        .collect();
    let mut object = metadata.clone();
    object.insert(
        "_aws".to_owned(),
        json!({
            "Timestamp": timestamp_ms as u64,
            "CloudWatchMetrics": [{
                "Namespace": config.namespace,
                "Dimensions": [dimension_names],
                "Metrics": definitions,
            }],
        }),
    );
    for (name, value) in dimensions {
        object.insert(name.clone(), json!(value));
    }
    for (name, _, values) in metrics {
        let value = match values {
            [one] => json!(one),
            many => json!(many),
        };
        object.insert((*name).clone(), value);
    }
    Value::Object(object).to_string()
}

fn now_ms() -> u128 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default()
        .as_millis()
}

tokio::task_local! {
    /// The metrics of the invocation being handled, made when a handler first asks:
    /// invocations that record nothing allocate nothing.
    pub(crate) static CURRENT: RefCell<Option<Metrics>>;
}

/// The current invocation's metrics (a detached set outside of one).
fn current() -> Metrics {
    CURRENT
        .try_with(|slot| slot.borrow_mut().get_or_insert_with(Metrics::new).clone())
        .unwrap_or_default()
}

impl<S> FromContext<S> for Metrics {
    fn from_context(_context: &Context, _state: &S) -> Result<Self, Error> {
        Ok(current())
    }
}

#[cfg(feature = "http")]
impl<S: Send + Sync> axum::extract::FromRequestParts<S> for Metrics {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        _parts: &mut http::request::Parts,
        _state: &S,
    ) -> Result<Self, Self::Rejection> {
        Ok(current())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const AT: u128 = 1_700_000_000_123;

    fn objects(metrics: &Metrics) -> Vec<Value> {
        metrics
            .take_emf(&MetricsConfig::new("Shop", "orders"), AT)
            .iter()
            .map(|line| serde_json::from_str(line).unwrap())
            .collect()
    }

    /// Checks one object against the EMF specification's structure and returns its
    /// metric names.
    fn check_structure(object: &Value) -> Vec<String> {
        let aws = &object["_aws"];
        assert_eq!(aws["Timestamp"], AT as u64);
        let directives = aws["CloudWatchMetrics"].as_array().unwrap();
        assert_eq!(directives.len(), 1);
        let directive = &directives[0];
        assert_eq!(directive["Namespace"], "Shop");
        for set in directive["Dimensions"].as_array().unwrap() {
            for name in set.as_array().unwrap() {
                assert!(
                    object[name.as_str().unwrap()].is_string(),
                    "dimension {name} has no value"
                );
            }
        }
        let definitions = directive["Metrics"].as_array().unwrap();
        assert!(definitions.len() <= MAX_METRICS_PER_OBJECT);
        definitions
            .iter()
            .map(|definition| {
                let name = definition["Name"].as_str().unwrap();
                let value = &object[name];
                assert!(value.is_number() || value.as_array().is_some_and(|values| values.len() <= 100));
                name.to_owned()
            })
            .collect()
    }

    #[test]
    fn one_object_with_values_dimensions_and_metadata() {
        let metrics = Metrics::new();
        metrics.add("Orders", Unit::Count, 1.0).unwrap();
        metrics.add("Orders", Unit::Count, 2.0).unwrap();
        metrics
            .add_high_resolution("Latency", Unit::Milliseconds, 3.5)
            .unwrap();
        metrics.dimension("channel", "web").unwrap();
        metrics.metadata("order_id", "o-1");

        let objects = objects(&metrics);
        assert_eq!(objects.len(), 1);
        let object = &objects[0];
        assert_eq!(check_structure(object), ["Latency", "Orders"]);
        assert_eq!(object["Orders"], json!([1.0, 2.0]));
        assert_eq!(object["Latency"], 3.5);
        assert_eq!(object["service"], "orders");
        assert_eq!(object["channel"], "web");
        assert_eq!(object["order_id"], "o-1");
        let directive = &object["_aws"]["CloudWatchMetrics"][0];
        assert_eq!(directive["Dimensions"], json!([["service", "channel"]]));
        assert_eq!(
            directive["Metrics"][0],
            json!({"Name": "Latency", "Unit": "Milliseconds", "StorageResolution": 1})
        );
        assert_eq!(
            directive["Metrics"][1],
            json!({"Name": "Orders", "Unit": "Count"})
        );

        assert!(objects_is_empty_after_take(&metrics));
    }

    fn objects_is_empty_after_take(metrics: &Metrics) -> bool {
        metrics
            .take_emf(&MetricsConfig::new("Shop", "orders"), AT)
            .is_empty()
    }

    #[test]
    fn more_than_100_metrics_split_into_objects() {
        let metrics = Metrics::new();
        for n in 0..250 {
            metrics
                .add(&format!("m{n:03}"), Unit::Count, f64::from(n))
                .unwrap();
        }
        let objects = objects(&metrics);
        let names: Vec<Vec<String>> = objects.iter().map(check_structure).collect();
        assert_eq!(names.iter().map(Vec::len).collect::<Vec<_>>(), [100, 100, 50]);
        let mut all: Vec<String> = names.concat();
        all.sort();
        all.dedup();
        assert_eq!(all.len(), 250, "every metric exactly once");
        assert_eq!(objects[2]["m249"], 249.0);
    }

    #[test]
    fn more_than_100_values_of_one_metric_split_too() {
        let metrics = Metrics::new();
        for n in 0..150 {
            metrics.add("Latency", Unit::Milliseconds, f64::from(n)).unwrap();
        }
        metrics.add("Orders", Unit::Count, 1.0).unwrap();
        let objects = objects(&metrics);
        assert_eq!(objects.len(), 2);
        assert_eq!(check_structure(&objects[0]), ["Latency", "Orders"]);
        assert_eq!(check_structure(&objects[1]), ["Latency"]);
        assert_eq!(objects[0]["Latency"].as_array().unwrap().len(), 100);
        assert_eq!(objects[1]["Latency"].as_array().unwrap().len(), 50);
        assert_eq!(objects[1]["Latency"][49], 149.0);
    }

    #[test]
    fn limits_and_mistakes_are_errors() {
        let metrics = Metrics::new();
        for n in 0..29 {
            metrics.dimension(&format!("d{n}"), "x").unwrap();
        }
        // 29 of the user's and `service` make 30.
        assert_eq!(
            metrics.dimension("d29", "x"),
            Err(MetricsError::TooManyDimensions("d29".into()))
        );
        // Setting `service` itself replaces lambdo's, so it fits.
        metrics.dimension("service", "billing").unwrap();
        metrics.dimension("d0", "changed").unwrap();
        assert!(metrics.dimension("d30", "x").is_err());

        assert_eq!(metrics.add("", Unit::Count, 1.0), Err(MetricsError::EmptyName));
        assert_eq!(
            metrics.add("Bad", Unit::Count, f64::NAN),
            Err(MetricsError::NotFinite("Bad".into()))
        );
        metrics.add("Size", Unit::Bytes, 1.0).unwrap();
        let mismatch = metrics.add("Size", Unit::Kilobytes, 1.0).unwrap_err();
        assert_eq!(
            mismatch.to_string(),
            "metric `Size` was recorded in Bytes and then in Kilobytes"
        );

        let objects = objects(&metrics);
        assert_eq!(objects[0]["service"], "billing");
        assert_eq!(objects[0]["d0"], "changed");
        let dimensions = objects[0]["_aws"]["CloudWatchMetrics"][0]["Dimensions"][0]
            .as_array()
            .unwrap()
            .len();
        assert_eq!(dimensions, MAX_DIMENSIONS);
    }

    #[test]
    fn nothing_recorded_writes_nothing_but_the_cold_start() {
        let lines = Arc::new(Mutex::new(Vec::new()));
        let sink = Arc::clone(&lines);
        let config = MetricsConfig::new("Shop", "orders")
            .writer(move |line| sink.lock().unwrap().push(line.to_owned()));
        config.flush(None, None);
        config.flush(Some(&Metrics::new()), None);
        assert!(lines.lock().unwrap().is_empty());
        config.flush(None, Some("orders-fn"));
        let written = lines.lock().unwrap();
        assert_eq!(written.len(), 1);
        let object: Value = serde_json::from_str(&written[0]).unwrap();
        assert_eq!(object["ColdStart"], 1.0);
        assert_eq!(object["function_name"], "orders-fn");
        assert_eq!(
            object["_aws"]["CloudWatchMetrics"][0]["Dimensions"],
            json!([["service", "function_name"]])
        );
    }
}
