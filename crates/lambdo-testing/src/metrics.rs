//! EMF metrics captured in memory, as lambdo writes them at the end of each invocation.

use std::sync::{Arc, Mutex};

use lambdo::metrics::MetricsConfig;
use serde_json::Value;

/// The EMF objects an app wrote: give the app [`CapturedMetrics::config`], then assert
/// on [`CapturedMetrics::values`].
///
/// ```
/// # tokio::runtime::Runtime::new().unwrap().block_on(async {
/// use lambdo::metrics::{Metrics, Unit};
///
/// async fn count(metrics: Metrics) -> Result<(), lambdo::BoxError> {
///     metrics.add("Seen", Unit::Count, 1.0)?;
///     metrics.add("Seen", Unit::Count, 2.0)?;
///     Ok(())
/// }
/// let captured = lambdo_testing::CapturedMetrics::default();
/// let function = lambdo::App::new(()).invoke(count).metrics(captured.config("Shop", "orders")).into_function();
/// lambdo_testing::TestClient::new(function).invoke(serde_json::json!({})).await.unwrap();
/// assert_eq!(captured.values("Seen"), [1.0, 2.0]);
/// # });
/// ```
#[derive(Debug, Clone, Default)]
pub struct CapturedMetrics(Arc<Mutex<Vec<String>>>);

impl CapturedMetrics {
    /// A metrics configuration of `namespace` and `service` that writes here.
    pub fn config(&self, namespace: &str, service: &str) -> MetricsConfig {
        let sink = Arc::clone(&self.0);
        MetricsConfig::new(namespace, service)
            .writer(move |line| sink.lock().expect("lock").push(line.to_owned()))
    }

    /// Every EMF object written so far, in order.
    pub fn objects(&self) -> Vec<Value> {
        self.0
            .lock()
            .expect("lock")
            .iter()
            .map(|line| serde_json::from_str(line).expect("EMF lines are JSON"))
            .collect()
    }

    /// Every value the metric `name` took, in order (several in one invocation are
    /// one array in its object, taken apart here).
    pub fn values(&self, name: &str) -> Vec<f64> {
        let mut values = Vec::new();
        for object in self.objects() {
            match object.get(name) {
                Some(Value::Array(many)) => values.extend(many.iter().filter_map(Value::as_f64)),
                Some(one) => values.extend(one.as_f64()),
                None => {}
            }
        }
        values
    }
}
