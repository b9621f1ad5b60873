// A direct-invocation handler returns `Result<R: Serialize, E>`, not a bare value.
use lambdo::{App, Json};

async fn double(Json(n): Json<i64>) -> i64 {
    n * 2
}

fn main() {
    let _ = App::new(()).invoke(double);
}
