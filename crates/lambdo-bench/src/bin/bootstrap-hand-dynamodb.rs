//! The hand-written DynamoDB Streams consumer (`lambda_runtime` + `aws_lambda_events`,
//! images through `serde_dynamo`) of the benchmark's orders.

fn main() -> Result<(), lambda_runtime::Error> {
    let handler = lambda_runtime::service_fn(lambdo_bench::records::on_dynamodb_event);
    // What the cargo-lambda template starts with: logs in Lambda's format.
    lambda_runtime::tracing::init_default_subscriber();
    lambdo_bench::tokio_runtime().block_on(lambda_runtime::run(handler))
}
