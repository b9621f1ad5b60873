// A record handler reports success or failure (`Result<(), E>`): no value to return.
use lambdo::{sqs::Message, App, BoxError};

async fn on_line(message: Message<String>) -> Result<usize, BoxError> {
    Ok(message.body.len())
}

fn main() {
    let _ = App::new(()).sqs(on_line);
}
