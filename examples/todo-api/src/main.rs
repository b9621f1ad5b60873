//! The `bootstrap` binary: in Lambda it polls the Runtime API; anywhere else it serves
//! the API on http://127.0.0.1:3000 (set `LAMBDO_LOCAL_ADDR` to change it).

use todo_api::{app, InMemoryTodoStore};

#[tokio::main]
async fn main() -> Result<(), lambdo::BoxError> {
    // Built once per process (at cold start) and shared by every invocation.
    let store = InMemoryTodoStore::new();
    app(store).run().await
}
