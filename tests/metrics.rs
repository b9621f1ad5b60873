//! CloudWatch EMF metrics: written at the end of every invocation (failed ones too), a
//! `ColdStart` metric once per process, the same `Metrics` extractor on every source.

use std::sync::{Arc, Mutex};

use axum::routing::post;
use lambdo::{
    metrics::{Metrics, MetricsConfig, Unit},
    App, FunctionError, Json,
};
use lambdo_testing::{PayloadVersion, TestClient};
use serde_json::Value;

#[derive(Clone, Default)]
struct Lines(Arc<Mutex<Vec<String>>>);

impl Lines {
    fn config(&self) -> MetricsConfig {
        let sink = self.0.clone();
        MetricsConfig::new("Shop", "orders").writer(move |line| sink.lock().unwrap().push(line.to_owned()))
    }

    /// The EMF objects written since the last call.
    fn take(&self) -> Vec<Value> {
        std::mem::take(&mut *self.0.lock().unwrap())
            .iter()
            .map(|line| serde_json::from_str(line).unwrap())
            .collect()
    }
}

fn names(object: &Value) -> Vec<&str> {
    object["_aws"]["CloudWatchMetrics"][0]["Metrics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|definition| definition["Name"].as_str().unwrap())
        .collect()
}

/// Records one metric per line item, then fails when asked to.
async fn import(metrics: Metrics, Json(lines): Json<Vec<String>>) -> Result<usize, FunctionError> {
    for line in &lines {
        metrics.add(&format!("Line.{line}"), Unit::Count, 1.0)?;
    }
    metrics.dimension("source", "import")?;
    if lines.iter().any(|line| line == "bad") {
        return Err(FunctionError::new("Import.BadLine", "a bad line"));
    }
    Ok(lines.len())
}

async fn order(metrics: Metrics, body: String) -> &'static str {
    metrics.add("OrderBytes", Unit::Bytes, body.len() as f64).unwrap();
    "ok"
}

async fn panics(metrics: Metrics) -> &'static str {
    metrics.add("BeforePanic", Unit::Count, 1.0).unwrap();
    panic!("boom")
}

#[tokio::test]
async fn metrics_are_flushed_per_invocation_with_a_cold_start_once() {
    let lines = Lines::default();
    let app = App::new(())
        .http(
            axum::Router::new()
                .route("/orders", post(order))
                .route("/panic", post(panics)),
        )
        .invoke(import)
        .metrics(lines.config());
    let client = TestClient::new(app.into_function());

    // First invocation: ColdStart, then the handler's metrics.
    assert!(client.invoke(["a", "b"]).await.is_ok());
    let written = lines.take();
    assert_eq!(written.len(), 2);
    assert_eq!(names(&written[0]), ["ColdStart"]);
    assert_eq!(written[0]["ColdStart"], 1.0);
    assert_eq!(names(&written[1]), ["Line.a", "Line.b"]);
    assert_eq!(written[1]["source"], "import");
    assert_eq!(written[1]["service"], "orders");

    // A failed invocation still writes what it recorded; no second ColdStart.
    let failed = client.invoke(["x", "bad"]).await;
    assert_eq!(failed.unwrap_err().error_type, "Import.BadLine");
    let written = lines.take();
    assert_eq!(written.len(), 1);
    assert_eq!(names(&written[0]), ["Line.bad", "Line.x"]);

    // Over 100 metrics: several objects, each metric once.
    let many: Vec<String> = (0..130).map(|n| format!("{n:03}")).collect();
    assert!(client.invoke(&many).await.is_ok());
    let written = lines.take();
    assert_eq!(
        written
            .iter()
            .map(|object| names(object).len())
            .collect::<Vec<_>>(),
        [100, 30]
    );

    // HTTP routes take the same extractor; a panicking route still flushes.
    let request = http::Request::post("/orders").body("12345").unwrap();
    let response = client.send(PayloadVersion::HttpV2, request).await;
    assert_eq!(response.status, 200);
    let written = lines.take();
    assert_eq!(names(&written[0]), ["OrderBytes"]);
    assert_eq!(written[0]["OrderBytes"], 5.0);

    let request = http::Request::post("/panic").body("").unwrap();
    let response = client.send(PayloadVersion::RestV1, request).await;
    assert_eq!(response.status, 500);
    assert_eq!(names(&lines.take()[0]), ["BeforePanic"]);

    // Nothing recorded, nothing written.
    assert!(client.invoke(Vec::<String>::new()).await.is_ok());
    assert!(lines.take().is_empty());
}

#[test]
fn namespace_and_service_come_from_lambdo_or_powertools_variables() {
    // One test touches the environment, so nothing races with it.
    std::env::remove_var("LAMBDO_METRICS_NAMESPACE");
    std::env::remove_var("LAMBDO_SERVICE_NAME");
    std::env::set_var("POWERTOOLS_METRICS_NAMESPACE", "Legacy");
    std::env::set_var("POWERTOOLS_SERVICE_NAME", "payments");
    let config = MetricsConfig::from_env();
    assert_eq!((config.namespace(), config.service()), ("Legacy", "payments"));

    std::env::set_var("LAMBDO_METRICS_NAMESPACE", "Shop");
    std::env::set_var("LAMBDO_SERVICE_NAME", "orders");
    let config = MetricsConfig::from_env();
    assert_eq!((config.namespace(), config.service()), ("Shop", "orders"));

    for name in [
        "LAMBDO_METRICS_NAMESPACE",
        "LAMBDO_SERVICE_NAME",
        "POWERTOOLS_METRICS_NAMESPACE",
        "POWERTOOLS_SERVICE_NAME",
    ] {
        std::env::remove_var(name);
    }
    std::env::set_var("AWS_LAMBDA_FUNCTION_NAME", "orders-fn");
    let config = MetricsConfig::from_env();
    assert_eq!((config.namespace(), config.service()), ("orders-fn", "orders-fn"));
}
