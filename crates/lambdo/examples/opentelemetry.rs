//! A function traced with OpenTelemetry instead of X-Ray (`lambdo::otel`): its spans go
//! over OTLP/HTTP (JSON) to the collector at `OTEL_EXPORTER_OTLP_ENDPOINT` (by default
//! `http://localhost:4318`, where an OpenTelemetry collector extension listens), under
//! the X-Ray trace Lambda starts for each invocation.
//!
//! ```sh
//! cargo lambda watch --features opentelemetry --example opentelemetry
//! cargo lambda invoke opentelemetry --data-ascii '{"customer":"c-1","cents":1250}'
//! ```

use opentelemetry::KeyValue;
use opentelemetry_otlp::{Protocol, SpanExporter, WithExportConfig};
use opentelemetry_sdk::{trace::SdkTracerProvider, Resource};

#[derive(serde::Deserialize)]
struct Charge {
    customer: String,
    cents: u64,
}

#[derive(serde::Serialize)]
struct Receipt {
    customer: String,
    cents: u64,
}

/// A span of its own, under the invocation's.
#[tracing::instrument(skip(cents))]
async fn authorize(customer: &str, cents: u64) -> Result<(), lambdo::BoxError> {
    if cents == 0 {
        return Err("nothing to charge".into());
    }
    tracing::info!(cents, "authorized");
    Ok(())
}

async fn charge(lambdo::Json(charge): lambdo::Json<Charge>) -> Result<Receipt, lambdo::BoxError> {
    authorize(&charge.customer, charge.cents).await?;
    Ok(Receipt {
        customer: charge.customer,
        cents: charge.cents,
    })
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambdo::BoxError> {
    // OTLP's own variables (`OTEL_EXPORTER_OTLP_ENDPOINT`…) configure the exporter.
    let exporter = SpanExporter::builder()
        .with_http()
        .with_protocol(Protocol::HttpJson)
        .build()?;
    let service = std::env::var("AWS_LAMBDA_FUNCTION_NAME").unwrap_or_else(|_| "charges".into());
    let provider = SdkTracerProvider::builder()
        .with_batch_exporter(exporter)
        .with_resource(
            Resource::builder()
                .with_attributes([KeyValue::new("cloud.provider", "aws")])
                .with_service_name(service)
                .build(),
        )
        .build();
    // Each invocation's spans join the X-Ray trace of its `Lambda-Runtime-Trace-Id`.
    opentelemetry::global::set_text_map_propagator(opentelemetry_aws::trace::XrayPropagator::new());
    lambdo::App::new(())
        .invoke(charge)
        .opentelemetry(provider)
        .run()
        .await
}
