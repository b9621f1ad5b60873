//! lambdo serving the benchmark's HTTP routes: a bootstrap for the end-to-end benchmark.

fn main() -> Result<(), lambdo::BoxError> {
    let function = lambdo_bench::Lambdo::bootstrap_function();
    lambdo_bench::tokio_runtime().block_on(lambdo::run(function))
}
