//! A hand-written `lambda_runtime` handler that does nothing: the Runtime API round trip.

async fn on_event(
    _event: lambda_runtime::LambdaEvent<serde_json::Value>,
) -> Result<(), lambda_runtime::Error> {
    Ok(())
}

fn main() -> Result<(), lambda_runtime::Error> {
    // What the cargo-lambda template starts with: logs in Lambda's format.
    lambda_runtime::tracing::init_default_subscriber();
    lambdo_bench::tokio_runtime().block_on(lambda_runtime::run(lambda_runtime::service_fn(on_event)))
}
