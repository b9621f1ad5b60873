//! lambdo's SQS consumer of the benchmark's orders.

fn main() -> Result<(), lambdo::BoxError> {
    let function = lambdo_bench::records::LambdoRecords::sqs().into_function();
    lambdo_bench::tokio_runtime().block_on(lambdo::run(function))
}
