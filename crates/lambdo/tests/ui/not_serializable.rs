// The success value of a direct invocation is serialized: it must be `Serialize`.
use lambdo::{App, BoxError, Json};

struct Report {
    lines: usize,
}

async fn report(Json(text): Json<String>) -> Result<Report, BoxError> {
    Ok(Report { lines: text.lines().count() })
}

fn main() {
    let _ = App::new(()).invoke(report);
}
