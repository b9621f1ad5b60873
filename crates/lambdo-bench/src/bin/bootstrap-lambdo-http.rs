//! lambdo serving the benchmark's HTTP route: a bootstrap for the end-to-end benchmark.

fn main() -> Result<(), lambdo::BoxError> {
    let function = lambdo_bench::Lambdo::default().into_function();
    lambdo_bench::tokio_runtime().block_on(lambdo::run(function))
}
