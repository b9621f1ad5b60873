//! lambdo serving the benchmark's ten-route API (`lambdo_bench::api::router`).

fn main() -> Result<(), lambdo::BoxError> {
    lambdo_bench_minimal::serve(lambdo::App::new(()).http(lambdo_bench::api::router()))
}
