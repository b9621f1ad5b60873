//! A todo list API on lambdo.
//!
//! - HTTP: `POST/GET /todos`, `GET/PATCH/DELETE /todos/{id}`, served for API Gateway
//!   (REST and HTTP APIs), ALB and Function URLs alike, and locally by `cargo run`.
//! - Direct invocation: `{"todos": [...]}` imports todos in bulk.
//!
//! Validation errors are `application/problem+json` responses. Todos live in memory
//! locally and in DynamoDB when `TABLE_NAME` is set.

pub mod import;
pub mod routes;
pub mod store;
pub mod todo;

use lambdo::App;

pub use store::{DynamoDbTodoStore, InMemoryTodoStore, TodoPage, TodoStore};

/// The whole function over `store`: HTTP routes plus the bulk import.
pub fn app<S: TodoStore>(store: S) -> App<S> {
    App::new(store)
        .http(routes::router())
        .invoke(import::import_todos::<S>)
}
