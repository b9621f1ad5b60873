//! Bulk import by direct invocation (`aws lambda invoke`, a Step Functions task…).

use lambdo::{
    metrics::{Metrics, Unit},
    FunctionError, Json, State,
};
use serde::{Deserialize, Serialize};

use crate::{
    store::TodoStore,
    todo::{NewTodo, Todo},
    Todos,
};

/// The event: `{"todos": [{"title": "…"}, …]}`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ImportTodos {
    /// The todos to create, in order.
    pub todos: Vec<NewTodo>,
}

/// The response: what was created.
#[derive(Debug, Serialize, Deserialize)]
pub struct Imported {
    /// The created todos, with their ids.
    pub created: Vec<Todo>,
}

/// Validates every todo before storing any, so an import is all or nothing.
///
/// A bad title fails the invocation with the stable `errorType`
/// `TodoImport.InvalidTodo`; callers (and alarms) can match on it.
pub async fn import_todos<S: TodoStore>(
    State(Todos { store, .. }): State<Todos<S>>,
    metrics: Metrics,
    Json(import): Json<ImportTodos>,
) -> Result<Imported, FunctionError> {
    metrics.add("ImportSize", Unit::Count, import.todos.len() as f64)?;
    let mut valid = Vec::with_capacity(import.todos.len());
    for (index, new_todo) in import.todos.into_iter().enumerate() {
        let todo = new_todo.to_todo().map_err(|problem| {
            FunctionError::new(
                "TodoImport.InvalidTodo",
                format!("todos[{index}]: {}", problem.detail().unwrap_or("invalid")),
            )
        })?;
        valid.push(todo);
    }
    let mut created = Vec::with_capacity(valid.len());
    for todo in valid {
        let todo = store
            .create(todo)
            .await
            .map_err(|err| FunctionError::new("TodoImport.StoreUnavailable", err.to_string()))?;
        created.push(todo);
    }
    metrics.add("TodosImported", Unit::Count, created.len() as f64)?;
    tracing::info!(count = created.len(), "todos imported");
    Ok(Imported { created })
}
