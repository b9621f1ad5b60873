//! The `bootstrap` binary: in Lambda it polls the Runtime API; anywhere else it serves
//! the API on http://127.0.0.1:3000 (set `LAMBDO_LOCAL_ADDR` to change it). Todos are
//! kept in the DynamoDB table `TABLE_NAME` when it is set, in memory otherwise.

use todo_api::{app, DynamoDbTodoStore, InMemoryTodoStore};

#[tokio::main]
async fn main() -> Result<(), lambdo::BoxError> {
    // Built once per process (at cold start) and shared by every invocation: DynamoDB
    // when `TABLE_NAME` names a table (as template.yaml sets it), memory otherwise.
    match std::env::var("TABLE_NAME") {
        Ok(table) if !table.is_empty() => {
            let client = lambdo_dynamodb::client(&lambdo_dynamodb::load_config().await);
            app(DynamoDbTodoStore::new(&client, &table)).run().await
        }
        _ => app(InMemoryTodoStore::new()).run().await,
    }
}
