//! lambdo's SQS consumer of the benchmark's orders (`Message<Order>`).

fn main() -> Result<(), lambdo::BoxError> {
    lambdo_bench_minimal::serve(lambdo_bench_minimal::sqs_app())
}
