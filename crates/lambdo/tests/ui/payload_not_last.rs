// The payload argument (`Message<T>`) must come last: here it is first.
use lambdo::{sqs::Message, App, BoxError, State};

#[derive(Clone)]
struct AppState;

#[derive(serde::Deserialize)]
struct Order {
    id: String,
}

async fn on_order(message: Message<Order>, State(_state): State<AppState>) -> Result<(), BoxError> {
    tracing::info!(id = message.body.id, "order");
    Ok(())
}

fn main() {
    let _ = App::new(AppState).sqs(on_order);
}
