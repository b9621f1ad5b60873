//! The `bootstrap` binary: in Lambda it polls the Runtime API; anywhere else it serves
//! the API on http://127.0.0.1:3000 (set `LAMBDO_LOCAL_ADDR` to change it).
//!
//! Todos are kept in the DynamoDB table `TABLE_NAME` when it is set, in memory
//! otherwise — but not in Lambda: there, without `TABLE_NAME`, the cold start fails
//! (`TodoApi.NotConfigured`) unless `TODO_STORE=memory` asks for a store that forgets
//! everything with its process. `IDEMPOTENCY_TABLE` names the table that makes `POST /todos` with an
//! `Idempotency-Key` header idempotent; `CURSOR_SECRET_NAME` the Secrets Manager
//! secret that signs the listing's page cursors.

use lambdo_dynamodb::Idempotency;
use lambdo_parameters::{Parameters, SecretsManager};
use todo_api::{app, DynamoDbTodoStore, InMemoryTodoStore, TodoStore, Todos};

// One invocation at a time: one thread, no hand-over between threads when the Runtime
// API answers. (On Lambda Managed Instances, use the multi-threaded `#[tokio::main]`.)
#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambdo::BoxError> {
    // Built once per process (at cold start) and shared by every invocation.
    let table = env("TABLE_NAME");
    let idempotency_table = env("IDEMPOTENCY_TABLE");
    let config = match (&table, &idempotency_table) {
        (None, None) => None,
        _ => Some(lambdo_dynamodb::load_config().await),
    };
    let client = config.as_ref().map(lambdo_dynamodb::client);
    let idempotency = idempotency_table
        .zip(client.as_ref())
        .map(|(name, client)| Idempotency::new(client, name));
    match (table.zip(client.as_ref()), &config) {
        (Some((table, client)), Some(config)) => {
            let mut store = DynamoDbTodoStore::new(client, &table);
            if let Some(name) = env("CURSOR_SECRET_NAME") {
                // Read once, here: a failure ends the cold start with its errorType.
                let secrets = Parameters::new(SecretsManager::new(config));
                store = store.cursor_secret(&secrets.get(&name).await?);
            }
            serve(store, idempotency).await
        }
        _ if in_lambda() && env("TODO_STORE").as_deref() != Some("memory") => {
            let error = lambdo::FunctionError::new(
                "TodoApi.NotConfigured",
                "TABLE_NAME is not set: in Lambda, todo-api keeps its todos in DynamoDB \
                 (template.yaml sets TABLE_NAME, IDEMPOTENCY_TABLE and CURSOR_SECRET_NAME; \
                 with `cargo lambda deploy`, pass them with --env-var). \
                 TODO_STORE=memory keeps them in the process's memory instead, lost with it.",
            );
            Err(lambdo::fail_init(error).await)
        }
        _ => serve(InMemoryTodoStore::new(), idempotency).await,
    }
}

/// Under a Lambda Runtime API (in Lambda, `cargo lambda watch`, an emulator).
fn in_lambda() -> bool {
    std::env::var_os("AWS_LAMBDA_RUNTIME_API").is_some()
}

async fn serve<S: TodoStore>(store: S, idempotency: Option<Idempotency>) -> Result<(), lambdo::BoxError> {
    let todos = Todos { store, idempotency };
    app(todos).run().await
}

/// A variable that is set and not empty.
fn env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|value| !value.is_empty())
}
