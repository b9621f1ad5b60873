//! One binary, three event sources: the pattern of a small service that owns its
//! table. Each source is one registration on the same [`App`], with the same state;
//! the event's shape tells lambdo which handler takes it.
//!
//! - **HTTP** (API Gateway's HTTP API): `POST /orders` places an order, `GET
//!   /orders/{id}` reads one; bad input is a problem response.
//! - **SQS**: each message of the shipments queue (`{"orderId": …, "carrier": …}`)
//!   marks its order shipped; a message for an order that does not exist, or not in
//!   JSON, fails alone and is redelivered, then dead-lettered.
//! - **A schedule** (hourly): the orders still waiting for shipment, as the
//!   `OrdersAwaitingShipment` metric.

use lambdo::{
    axum::{
        extract::Path,
        http::StatusCode,
        routing::{get, post},
        Router,
    },
    eventbridge::Scheduled,
    http::Problem,
    metrics::{Metrics, Unit},
    sqs::Message,
    App, Json, State,
};
use lambdo_dynamodb::{Table, TableError};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// An order, as stored (partition key `id`) and returned.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Order {
    /// Assigned when placed.
    pub id: Uuid,
    /// What was ordered.
    pub sku: String,
    /// How many.
    pub quantity: u32,
    /// `placed`, then `shipped`.
    pub status: Status,
    /// Who carries it, once shipped.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub carrier: Option<String>,
}

/// Where an order is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// Waiting for shipment.
    Placed,
    /// On its way.
    Shipped,
}

/// The body of `POST /orders`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewOrder {
    /// What to order: 1 to 64 characters.
    pub sku: String,
    /// How many: 1 to 100.
    pub quantity: u32,
}

/// A message of the shipments queue.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Shipment {
    /// The order shipped.
    pub order_id: Uuid,
    /// Who carries it.
    pub carrier: String,
}

/// Orders scanned per page by the schedule: each page is one Scan request.
const PAGE: i32 = 100;

/// The app's state: the orders table, shared by every source's handlers.
#[derive(Clone)]
pub struct Shop {
    orders: Table<Order>,
}

impl Shop {
    /// The shop on the orders table `table`.
    pub fn new(client: &aws_sdk_dynamodb::Client, table: &str) -> Self {
        Shop {
            orders: Table::new(client, table, "id"),
        }
    }
}

/// The key of an order.
#[derive(Serialize)]
struct Key {
    id: Uuid,
}

async fn place(
    State(shop): State<Shop>,
    Json(new): Json<NewOrder>,
) -> Result<(StatusCode, Json<Order>), Problem> {
    if new.sku.trim().is_empty() || new.sku.chars().count() > 64 {
        return Err(
            Problem::unprocessable("sku must be 1 to 64 characters").with_extension("pointer", "/sku")
        );
    }
    if !(1..=100).contains(&new.quantity) {
        return Err(
            Problem::unprocessable("quantity must be 1 to 100").with_extension("pointer", "/quantity")
        );
    }
    let order = Order {
        id: Uuid::now_v7(),
        sku: new.sku,
        quantity: new.quantity,
        status: Status::Placed,
        carrier: None,
    };
    let order = shop.orders.create(&order).await?;
    Ok((StatusCode::CREATED, Json(order)))
}

async fn read(State(shop): State<Shop>, Path(id): Path<Uuid>) -> Result<Json<Order>, Problem> {
    match shop.orders.get(&Key { id }).await? {
        Some(order) => Ok(Json(order)),
        None => Err(Problem::not_found(format!("order {id} does not exist"))),
    }
}

/// Why a shipment message fails (and is redelivered).
#[derive(Debug, thiserror::Error)]
pub enum ShipmentError {
    /// No order has the message's id.
    #[error("order {0} does not exist")]
    NoSuchOrder(Uuid),
    /// The table failed.
    #[error(transparent)]
    Table(#[from] TableError),
}

async fn ship(
    State(shop): State<Shop>,
    metrics: Metrics,
    message: Message<Shipment>,
) -> Result<(), ShipmentError> {
    let shipment = &message.body;
    let Some(mut order) = shop
        .orders
        .get(&Key {
            id: shipment.order_id,
        })
        .await?
    else {
        return Err(ShipmentError::NoSuchOrder(shipment.order_id));
    };
    if order.status == Status::Shipped {
        // A redelivered message: shipped once is enough.
        return Ok(());
    }
    order.status = Status::Shipped;
    order.carrier = Some(shipment.carrier.clone());
    shop.orders.put(&order).await?;
    tracing::info!(order_id = %order.id, carrier = shipment.carrier, "order shipped");
    metrics.add("OrdersShipped", Unit::Count, 1.0).ok();
    Ok(())
}

async fn sweep(State(shop): State<Shop>, metrics: Metrics, tick: Scheduled) -> Result<(), TableError> {
    let mut waiting = 0u64;
    let mut cursor = None;
    loop {
        let page = shop.orders.scan(PAGE, cursor.as_deref()).await?;
        waiting += page
            .items
            .iter()
            .filter(|order| order.status == Status::Placed)
            .count() as u64;
        match page.cursor {
            Some(next) => cursor = Some(next),
            None => break,
        }
    }
    tracing::info!(waiting, scheduled_for = tick.time, "orders awaiting shipment");
    metrics
        .add("OrdersAwaitingShipment", Unit::Count, waiting as f64)
        .ok();
    Ok(())
}

/// The whole function: the HTTP API, the shipments queue and the schedule, on one
/// state.
pub fn app(shop: Shop) -> App<Shop> {
    let routes = Router::new()
        .route("/orders", post(place))
        .route("/orders/{id}", get(read));
    App::new(shop).http(routes).sqs(ship).schedule(sweep)
}
