//! lambdo's direct-invocation handler that does nothing: the Runtime API round trip.

fn main() -> Result<(), lambdo::BoxError> {
    lambdo_bench_minimal::serve(lambdo_bench_minimal::empty_app())
}
