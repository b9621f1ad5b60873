//! lambdo's DynamoDB Streams consumer of the benchmark's orders (`Change<Order>`).

fn main() -> Result<(), lambdo::BoxError> {
    lambdo_bench_minimal::serve(lambdo_bench_minimal::dynamodb_app())
}
