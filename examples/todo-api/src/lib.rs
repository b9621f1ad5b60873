//! A todo list API on lambdo.
//!
//! - HTTP: `POST/GET /todos`, `GET/PATCH/DELETE /todos/{id}`, served for API Gateway
//!   (REST and HTTP APIs), ALB and Function URLs alike, and locally by `cargo run`.
//! - Direct invocation: `{"todos": [...]}` imports todos in bulk.
//!
//! Validation errors are `application/problem+json` responses. Todos live in memory
//! locally and in DynamoDB when `TABLE_NAME` is set. With an idempotency table
//! (`IDEMPOTENCY_TABLE`), a `POST /todos` that carries an `Idempotency-Key` header
//! creates its todo once, however often the client retries it.

pub mod import;
pub mod routes;
pub mod store;
pub mod todo;

use lambdo::App;
use lambdo_dynamodb::Idempotency;

pub use store::{DynamoDbTodoStore, InMemoryTodoStore, StoreError, TodoPage, TodoStore};

/// The function's state, built once at cold start and shared by every invocation.
#[derive(Debug, Clone)]
pub struct Todos<S> {
    /// Where todos live.
    pub store: S,
    /// Where creations by `Idempotency-Key` are remembered; without it the header is
    /// ignored and every `POST` creates a todo.
    pub idempotency: Option<Idempotency>,
}

impl<S: TodoStore> Todos<S> {
    /// Todos in `store`, with no idempotency table.
    pub fn new(store: S) -> Self {
        Todos {
            store,
            idempotency: None,
        }
    }

    /// Remembers creations by `Idempotency-Key` in `idempotency`.
    pub fn idempotent(self, idempotency: Idempotency) -> Self {
        Todos {
            idempotency: Some(idempotency),
            ..self
        }
    }
}

/// The whole function: HTTP routes plus the bulk import.
pub fn app<S: TodoStore>(todos: Todos<S>) -> App<Todos<S>> {
    App::new(todos)
        .http(routes::router())
        // The Function URL in template.yaml streams (`InvokeMode: RESPONSE_STREAM`); the
        // HTTP API's responses stay buffered.
        .stream_function_urls()
        .invoke(import::import_todos::<S>)
}
