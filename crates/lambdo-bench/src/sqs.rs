//! One SQS batch → a typed body per record → the partial batch response, two ways:
//!
//! - [`LambdoSqs`]: `App::sqs` with a `Message<Order>` handler (lambdo's lazy,
//!   borrowed envelope and its batch engine: spans, panic guard, deadline guard);
//! - [`hand_written_sqs`]: the consumer people write today: the event decoded into
//!   `aws_lambda_events::sqs::SqsEvent` (owned strings, hash maps of attributes), each
//!   body decoded with `serde_json`, failures collected into `SqsBatchResponse`.
//!
//! Both fail the same records (quantity 0), so they answer the same bytes' worth.

use aws_lambda_events::{
    event::sqs::{BatchItemFailure, SqsBatchResponse, SqsEvent},
    sqs::SqsMessage,
};
use bytes::Bytes;
use lambdo::{sqs::Message, App};
use lambdo_testing::SqsBatch;
use serde::{Deserialize, Serialize};

use crate::context;

/// The message body both consumers decode.
#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Order {
    /// An id like `o-17`.
    pub order_id: String,
    /// Zero fails the record.
    pub quantity: u32,
    /// Free text, with characters JSON escapes.
    pub note: String,
}

/// A batch of `records` orders from a standard queue, every tenth with quantity 0;
/// each message carries SQS's four system attributes and two string message attributes
/// (a tenant and a correlation id, as producers commonly set).
pub fn order_batch(records: usize) -> Bytes {
    let queue = SqsBatch::standard("orders")
        .message_attribute("tenant", "acme")
        .message_attribute("correlationId", "5f0e8c1a-5d7e-4a8b-9c1d-2e3f4a5b6c7d");
    let batch = (0..records).fold(queue, |batch, n| {
        batch.message(&Order {
            order_id: format!("o-{n}"),
            quantity: u32::from(n % 10 != 0),
            note: "leave at the \"back\" door".to_owned(),
        })
    });
    serde_json::to_vec(&batch.to_event())
        .expect("serializable")
        .into()
}

fn accept(order: &Order) -> Result<(), String> {
    if order.quantity == 0 {
        return Err(format!("order {} has no quantity", order.order_id));
    }
    Ok(())
}

async fn on_order(message: Message<Order>) -> Result<(), String> {
    accept(&message.body)
}

/// lambdo's SQS path, as its runtime adapter runs it.
#[derive(Debug, Clone)]
pub struct LambdoSqs {
    function: lambdo::Function,
}

impl Default for LambdoSqs {
    fn default() -> Self {
        LambdoSqs {
            function: App::new(()).sqs(on_order).into_function(),
        }
    }
}

impl LambdoSqs {
    /// The event's bytes in, the response's bytes out.
    pub async fn handle(&self, event: &Bytes) -> Vec<u8> {
        let response = self
            .function
            .call(event.clone(), context())
            .await
            .expect("a batch response");
        response.get().as_bytes().to_vec()
    }
}

/// The hand-written consumer on `aws_lambda_events`.
pub fn hand_written_sqs(event: &[u8]) -> Vec<u8> {
    let event: SqsEvent = serde_json::from_slice(event).expect("an SQS event");
    let mut response = SqsBatchResponse::default();
    for SqsMessage { message_id, body, .. } in event.records {
        let accepted = serde_json::from_str::<Order>(body.as_deref().unwrap_or_default())
            .map_err(|err| err.to_string())
            .and_then(|order| accept(&order));
        if accepted.is_err() {
            let mut failure = BatchItemFailure::default();
            failure.item_identifier = message_id.unwrap_or_default();
            response.batch_item_failures.push(failure);
        }
    }
    serde_json::to_vec(&response).expect("serializable")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Both consumers fail exactly the same records.
    #[tokio::test]
    async fn both_consumers_answer_the_same() {
        let event = order_batch(25);
        let ours: serde_json::Value =
            serde_json::from_slice(&LambdoSqs::default().handle(&event).await).unwrap();
        let theirs: serde_json::Value = serde_json::from_slice(&hand_written_sqs(&event)).unwrap();
        assert_eq!(ours["batchItemFailures"].as_array().unwrap().len(), 3);
        assert_eq!(ours, theirs);
    }
}
