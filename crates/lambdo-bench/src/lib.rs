//! The three ways of serving one HTTP route from a Lambda event that the benchmarks
//! compare, each from the event's bytes to the response's bytes:
//!
//! - [`Lambdo`]: `lambdo::App` with an axum router (what lambdo users write);
//! - [`LambdaHttp`]: the same axum router through `lambda_http` (what `lambda_http::run`
//!   does per event: its multi-shape request parse, its adapter, its response);
//! - [`hand_written_v2`]: an HTTP API v2 event parsed straight into its
//!   `aws_lambda_events` struct, the path matched by hand, the response built by hand.
//!
//! And for batches of records (see [`records`]: SQS, Kinesis, DynamoDB Streams, SNS):
//! lambdo's per-record handler against the usual hand-written consumer on the
//! `aws_lambda_events` type of the event.

pub mod api;
pub mod records;

pub use lambdo_bench_minimal::tokio_runtime;

use axum::{extract::Path, routing::get, Router};
use bytes::Bytes;
use lambda_http::{request::LambdaRequest, Adapter};
use lambda_runtime::{Context, LambdaEvent};
use serde::Serialize;
use serde_json::value::RawValue;
use tower::{Service, ServiceExt};

/// The resource every variant returns.
#[derive(Debug, Serialize)]
pub struct Todo {
    /// From the path.
    pub id: u64,
    /// Fixed text.
    pub title: &'static str,
    /// Fixed state.
    pub completed: bool,
}

async fn get_todo(Path(id): Path<u64>) -> axum::Json<Todo> {
    axum::Json(todo(id))
}

fn todo(id: u64) -> Todo {
    Todo {
        id,
        title: "benchmark the framework",
        completed: false,
    }
}

/// The route under test, shared by lambdo and `lambda_http`.
pub fn router() -> Router {
    Router::new().route("/todos/{id}", get(get_todo))
}

/// A request context like the one the Runtime API gives; with a sampled X-Ray trace
/// header once [`install_json_logs_and_xray`] ran.
pub fn context() -> Context {
    let mut context = Context::default();
    context.request_id = "8476a536-e9f4-11e8-9739-2dfe598c3fcd".to_owned();
    context.deadline = u64::MAX / 2;
    context.invoked_function_arn = "arn:aws:lambda:eu-central-1:123456789012:function:bench".to_owned();
    if TRACED.load(std::sync::atomic::Ordering::Relaxed) {
        context.xray_trace_id =
            Some("Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1".to_owned());
    }
    context
}

/// Invocations are sampled for X-Ray (see [`install_json_logs_and_xray`]).
static TRACED: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// lambdo's whole path, as its runtime adapter runs it.
#[derive(Debug, Clone)]
pub struct Lambdo {
    function: lambdo::Function,
}

impl Default for Lambdo {
    fn default() -> Self {
        Lambdo {
            function: lambdo::App::new(()).http(router()).into_function(),
        }
    }
}

impl Lambdo {
    /// Event bytes → response bytes.
    pub async fn handle(&self, event: &Bytes) -> Vec<u8> {
        // lambdo's runtime layer takes the invocation body as the Runtime API client
        // received it (`Bytes`, shared, not copied).
        let response: Box<RawValue> = self
            .function
            .call(event.clone(), context())
            .await
            .expect("an HTTP response");
        // What lambda_runtime does with the handler's response before posting it.
        serde_json::to_vec(&response).expect("serializable")
    }
}

/// `lambda_http::run(router)` per event.
#[derive(Clone)]
pub struct LambdaHttp {
    adapter: Adapter<'static, axum::response::Response, Router>,
}

impl std::fmt::Debug for LambdaHttp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("LambdaHttp")
    }
}

impl Default for LambdaHttp {
    fn default() -> Self {
        // lambda_http prefixes REST paths with the stage unless told not to; its users set
        // this to route `/todos/{id}` on a named stage, as lambdo does by default.
        std::env::set_var("AWS_LAMBDA_HTTP_IGNORE_STAGE_IN_PATH", "true");
        LambdaHttp {
            adapter: Adapter::from(router()),
        }
    }
}

impl LambdaHttp {
    /// Event bytes → response bytes.
    pub async fn handle(&self, event: &[u8]) -> Vec<u8> {
        let request: LambdaRequest = serde_json::from_slice(event).expect("valid event");
        let mut adapter = self.adapter.clone();
        let adapter = adapter.ready().await.expect("ready");
        let response = adapter
            .call(LambdaEvent::new(request, context()))
            .await
            .expect("a response");
        serde_json::to_vec(&response).expect("serializable")
    }
}

/// An HTTP API v2 handler written by hand on `aws_lambda_events` and `serde_json`.
pub fn hand_written_v2(event: &[u8]) -> Vec<u8> {
    use aws_lambda_events::apigw::{ApiGatewayV2httpRequest, ApiGatewayV2httpResponse};
    use aws_lambda_events::encodings::Body;

    let request: ApiGatewayV2httpRequest = serde_json::from_slice(event).expect("valid event");
    let path = request.raw_path.as_deref().unwrap_or_default();
    let mut response = ApiGatewayV2httpResponse::default();
    match path.strip_prefix("/todos/").and_then(|id| id.parse::<u64>().ok()) {
        Some(id) if request.request_context.http.method == http::Method::GET => {
            response.status_code = 200;
            response.headers.insert(
                http::header::CONTENT_TYPE,
                http::HeaderValue::from_static("application/json"),
            );
            response.body = Some(Body::Text(
                serde_json::to_string(&todo(id)).expect("serializable"),
            ));
        }
        _ => response.status_code = 404,
    }
    serde_json::to_vec(&response).expect("serializable")
}

/// The benchmark events: `GET /todos/1` as each caller sends it.
pub fn events() -> Vec<(&'static str, Bytes)> {
    use lambdo_testing::fixtures;
    vec![
        ("http_api_v2", fixtures::APIGW_HTTP_V2.as_bytes().to_vec().into()),
        ("rest_v1", fixtures::APIGW_REST_V1.as_bytes().to_vec().into()),
        ("alb", fixtures::ALB.as_bytes().to_vec().into()),
        ("function_url", fixtures::FUNCTION_URL.as_bytes().to_vec().into()),
    ]
}

/// Installs what `lambdo::run` installs in Lambda by default (the `info` level, Lambda's
/// JSON log format), writing to nowhere: spans and log statements then cost what they
/// cost in a deployment.
pub fn install_json_logs() {
    use tracing_subscriber::prelude::*;
    tracing_subscriber::registry()
        .with(tracing_subscriber::filter::LevelFilter::INFO)
        .with(lambdo::logs::JsonLogLayer::new(std::io::sink).without_record_spans())
        .init();
}

/// What `run` installs in Lambda with active tracing: the JSON log subscriber (lines go
/// nowhere) with lambdo's X-Ray layer, sending to a loopback socket of this process's;
/// and every invocation sampled. Subsegments then cost what they cost in a deployment.
pub fn install_json_logs_and_xray() {
    use tracing_subscriber::prelude::*;
    static DAEMON: std::sync::OnceLock<std::net::UdpSocket> = std::sync::OnceLock::new();
    let daemon = DAEMON.get_or_init(|| std::net::UdpSocket::bind("127.0.0.1:0").expect("a loopback socket"));
    let address = daemon.local_addr().expect("its address");
    tracing_subscriber::registry()
        .with(tracing_subscriber::filter::LevelFilter::INFO)
        .with(lambdo::logs::JsonLogLayer::new(std::io::sink))
        .with(lambdo::xray::XRayLayer::new(address, "bench"))
        .init();
    TRACED.store(true, std::sync::atomic::Ordering::Relaxed);
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The variants answer the same thing, or the comparison means nothing.
    #[tokio::test]
    async fn all_variants_answer_the_route() {
        let lambdo = Lambdo::default();
        let lambda_http = LambdaHttp::default();
        for (name, event) in events() {
            let ours: serde_json::Value = serde_json::from_slice(&lambdo.handle(&event).await).unwrap();
            let theirs: serde_json::Value =
                serde_json::from_slice(&lambda_http.handle(&event).await).unwrap();
            assert_eq!(ours["statusCode"], 200, "{name}: {ours}");
            assert_eq!(theirs["statusCode"], 200, "{name}: {theirs}");
            assert_eq!(ours["body"], theirs["body"], "{name}");
        }
        let hand: serde_json::Value = serde_json::from_slice(&hand_written_v2(&events()[0].1)).unwrap();
        assert_eq!(hand["statusCode"], 200);
    }
}
