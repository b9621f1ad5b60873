//! OpenTelemetry, the alternative to [`crate::xray`]: lambdo's and your spans go to an
//! OpenTelemetry tracer provider you build, with the exporter you choose (OTLP to a
//! collector extension, a vendor's exporter…).
//!
//! Hand the provider to [`App::opentelemetry`](crate::App::opentelemetry); then
//! [`run`](crate::run) installs `tracing-opentelemetry`'s layer with a tracer of that
//! provider (instead of the X-Ray layer) beside lambdo's log layer, and:
//!
//! - every span becomes an OpenTelemetry span: the invocation (named after the
//!   function, kind `server`, with `faas.invocation_id`, `faas.coldstart`, `faas.name`
//!   and `cloud.resource_id`), each batch record, your own spans
//!   (`#[tracing::instrument]`) and `lambdo-dynamodb`'s AWS calls; an `ERROR` event
//!   (a failed invocation logs one) sets its span's status to error;
//! - the invocation's parent comes from its trace header (`Lambda-Runtime-Trace-Id`,
//!   X-Ray's format) through the global text-map propagator you set: with
//!   `opentelemetry-aws`'s `XrayPropagator` the spans join the trace Lambda started;
//!   with none set, each invocation starts a trace of its own;
//! - in Lambda, after each answer is posted and before the next event is asked for,
//!   the provider is flushed (on a blocking thread, so concurrent invocations on Lambda
//!   Managed Instances go on meanwhile): Lambda may freeze the process once it asks for
//!   the next event, and spans left in a batch would wait there, or be lost;
//! - when the function shuts down (SIGTERM in Lambda, local mode stopping), after your
//!   own shutdown hooks, the provider is shut down, which exports what is left.
//!
//! Depend on the versions lambdo builds on (`opentelemetry` and `opentelemetry_sdk`
//! 0.33, with an exporter of the same release): a provider of another
//! `opentelemetry_sdk` is another type. lambdo does not re-export them: a re-export
//! would put their items beside everyone's in the compiler's messages.
//!
//! Build the provider with a *batch* exporter (`with_batch_exporter`): a simple
//! exporter exports on the thread where each span ends, which is the async runtime's.
//!
//! The crate's example `examples/opentelemetry.rs` exports over OTLP/HTTP (JSON) to the
//! collector at `OTEL_EXPORTER_OTLP_ENDPOINT`; the workspace's tests run it as a
//! bootstrap against a real OTLP receiver. In short:
//!
//! ```no_run
//! use opentelemetry_otlp::{Protocol, SpanExporter, WithExportConfig};
//! use opentelemetry_sdk::{error::OTelSdkResult, trace::SdkTracerProvider};
//!
//! async fn hello(name: lambdo::Json<String>) -> Result<String, lambdo::BoxError> {
//!     Ok(format!("hello, {}", name.0))
//! }
//!
//! #[tokio::main(flavor = "current_thread")]
//! async fn main() -> Result<(), lambdo::BoxError> {
//!     let exporter = SpanExporter::builder().with_http().with_protocol(Protocol::HttpJson).build()?;
//!     let provider = SdkTracerProvider::builder().with_batch_exporter(exporter).build();
//!     opentelemetry::global::set_text_map_propagator(opentelemetry_aws::trace::XrayPropagator::new());
//!     lambdo::App::new(()).invoke(hello).opentelemetry(provider).run().await
//! }
//! ```

use std::sync::Arc;

use opentelemetry::{propagation::Extractor, trace::TracerProvider as _};
use opentelemetry_sdk::{error::OTelSdkResult, trace::SdkTracerProvider};
use tracing_opentelemetry::OpenTelemetrySpanExt;

use crate::Context;

/// The tracer provider lambdo's spans go to (see the [module docs](self)).
#[derive(Debug)]
pub(crate) struct OpenTelemetry {
    provider: SdkTracerProvider,
    /// Whether a failed export was logged as a warning already.
    warned: std::sync::atomic::AtomicBool,
}

impl OpenTelemetry {
    pub(crate) fn new(provider: SdkTracerProvider) -> Self {
        OpenTelemetry {
            provider,
            warned: Default::default(),
        }
    }

    /// `tracing-opentelemetry`'s layer, with a tracer of the provider.
    pub(crate) fn layer(&self) -> crate::logs::Tracer {
        let tracer = self.provider.tracer("lambdo");
        Box::new(tracing_opentelemetry::layer().with_tracer(tracer))
    }

    /// Gives the invocation's span its parent (from the trace header, through the
    /// global propagator) and FaaS attributes.
    pub(crate) fn open(&self, span: &tracing::Span, context: &Context, cold_start: bool) {
        if let Some(header) = context.xray_trace_id.as_deref() {
            let parent = opentelemetry::global::get_text_map_propagator(|propagator| {
                propagator.extract(&TraceHeader(header))
            });
            // An error means the span is not in this layer's registry (another
            // subscriber is in charge): there is nothing to parent.
            let _ = span.set_parent(parent);
        }
        let name = context.env_config.function_name.as_str();
        if !name.is_empty() {
            span.record("otel.name", name);
            span.set_attribute("faas.name", name.to_owned());
        }
        span.record("otel.kind", "server");
        span.set_attribute("faas.invocation_id", context.request_id.clone());
        span.set_attribute("faas.coldstart", cold_start);
        span.set_attribute("cloud.resource_id", context.invoked_function_arn.clone());
    }

    /// Exports the spans that ended (the SDK's flush waits, up to the exporter's
    /// timeout). A failure is a warning the first time, then a debug line: a collector
    /// that is not there would otherwise add a line per invocation.
    pub(crate) async fn flush(&self) {
        let Err(error) = self.blocking(SdkTracerProvider::force_flush).await else {
            return;
        };
        if self.warned.swap(true, std::sync::atomic::Ordering::Relaxed) {
            tracing::debug!(error, "the OpenTelemetry spans could not be exported");
        } else {
            tracing::warn!(
                error,
                "the OpenTelemetry spans could not be exported (said once; later failures log at debug)"
            );
        }
    }

    /// Shuts the provider down: what is left is exported.
    pub(crate) async fn shutdown(self: Arc<Self>) {
        if let Err(error) = self.blocking(SdkTracerProvider::shutdown).await {
            tracing::warn!(error, "the OpenTelemetry provider did not shut down cleanly");
        }
    }

    /// Runs `work` on the provider on a blocking thread (the SDK's calls wait for its
    /// exporter), so concurrent invocations go on meanwhile.
    async fn blocking(&self, work: fn(&SdkTracerProvider) -> OTelSdkResult) -> Result<(), String> {
        let provider = self.provider.clone();
        match tokio::task::spawn_blocking(move || work(&provider)).await {
            Ok(result) => result.map_err(|error| error.to_string()),
            Err(error) => Err(error.to_string()),
        }
    }
}

/// The invocation's X-Ray trace header as a propagator's carrier: `x-amzn-trace-id`,
/// the header name X-Ray's propagator reads.
struct TraceHeader<'a>(&'a str);

impl Extractor for TraceHeader<'_> {
    fn get(&self, key: &str) -> Option<&str> {
        key.eq_ignore_ascii_case("x-amzn-trace-id").then_some(self.0)
    }

    fn keys(&self) -> Vec<&str> {
        vec!["x-amzn-trace-id"]
    }
}
