//! The hand-written `lambda_runtime` handler of the benchmark's ten routes
//! (`aws_lambda_events`' HTTP API v2 types, routing by hand): the Rust floor for HTTP.

fn main() -> Result<(), lambda_runtime::Error> {
    let handler = lambda_runtime::service_fn(lambdo_bench::api::on_http_event);
    // What the cargo-lambda template starts with: logs in Lambda's format.
    lambda_runtime::tracing::init_default_subscriber();
    lambdo_bench::tokio_runtime().block_on(lambda_runtime::run(handler))
}
