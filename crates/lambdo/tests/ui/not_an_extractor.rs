// Arguments before the payload are built from the context and state: a `String` is not.
use lambdo::{App, BoxError, Json};

async fn greet(prefix: String, Json(name): Json<String>) -> Result<String, BoxError> {
    Ok(format!("{prefix}, {name}"))
}

fn main() {
    let _ = App::new(()).invoke(greet);
}
