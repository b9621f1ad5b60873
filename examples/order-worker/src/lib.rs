//! An SQS consumer of orders: each message is an order; an order that cannot be
//! fulfilled fails alone and is redelivered (then dead-lettered by the queue's redrive
//! policy), every other message of the batch is deleted. The binary (`src/main.rs`)
//! runs [`app`].

use lambdo::{
    batch::BatchOptions,
    metrics::{Metrics, Unit},
    sqs::Message,
    App,
};
use serde::Deserialize;

/// The message body.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct Order {
    order_id: String,
    sku: String,
    quantity: u32,
}

/// Why an order is refused; the message is retried, so only transient-looking causes
/// should end up here in a real system.
#[derive(Debug, thiserror::Error)]
enum Refused {
    #[error("order {0} has no items")]
    Empty(String),
    #[error("sku {0} is out of stock")]
    OutOfStock(String),
}

async fn fulfil(metrics: Metrics, message: Message<Order>) -> Result<(), Refused> {
    let order = &message.body;
    if order.quantity == 0 {
        return Err(Refused::Empty(order.order_id.clone()));
    }
    if order.sku.starts_with("gone-") {
        metrics.add("OutOfStock", Unit::Count, 1.0).ok();
        return Err(Refused::OutOfStock(order.sku.clone()));
    }
    tracing::info!(
        order_id = order.order_id,
        sku = order.sku,
        quantity = order.quantity,
        group = message.message_group_id(),
        "order fulfilled"
    );
    metrics.add("OrdersFulfilled", Unit::Count, 1.0).ok();
    metrics
        .add("ItemsShipped", Unit::Count, f64::from(order.quantity))
        .ok();
    Ok(())
}

/// The whole function. Standard queues: up to 4 orders at once; FIFO queues keep each
/// message group in order (a failure fails the rest of its group).
pub fn app() -> App<()> {
    App::new(()).sqs_with(BatchOptions::new().concurrency(4), fulfil)
}
