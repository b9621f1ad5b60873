//! lambdo serving the benchmark's ten-route API (`lambdo_bench::api::router`).

fn main() -> Result<(), lambdo::BoxError> {
    let function = lambdo::App::new(())
        .http(lambdo_bench::api::router())
        .into_function();
    lambdo_bench::tokio_runtime().block_on(lambdo::run(function))
}
