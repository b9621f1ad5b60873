//! `lambda_http::run` serving the benchmark's ten-route API with the same axum router.

fn main() -> Result<(), lambda_http::Error> {
    // What the cargo-lambda template starts with: logs in Lambda's format.
    lambda_http::tracing::init_default_subscriber();
    lambdo_bench::tokio_runtime().block_on(lambda_http::run(lambdo_bench::api::router()))
}
