//! Where todos live: the `TodoStore` trait, the in-memory store used locally, and the
//! DynamoDB store used in the cloud.

mod dynamodb;

pub use dynamodb::DynamoDbTodoStore;

use std::{collections::BTreeMap, future::Future, sync::Arc};

use tokio::sync::RwLock;
use uuid::Uuid;

use crate::todo::{Todo, TodoPatch};

/// Why a store operation failed.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// No todo has this id.
    #[error("todo {0} does not exist")]
    NotFound(Uuid),
    /// A listing cursor this store did not issue (or that was changed).
    #[error("the cursor is not valid")]
    BadCursor,
    /// The todo changed under a concurrent update too often, or already exists.
    #[error("conflict: {0}")]
    Conflict(String),
    /// The backing store failed; the message is for logs only.
    #[error("the todo store is unavailable: {0}")]
    Unavailable(String),
}

/// One page of todos, oldest first, and the cursor of the next page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TodoPage {
    /// The todos of this page.
    pub todos: Vec<Todo>,
    /// Where the next page starts; `None` on the last page.
    pub next: Option<String>,
}

/// Storage for todos. The in-memory store serves local runs and tests; a DynamoDB store
/// takes its place in the cloud.
pub trait TodoStore: Clone + Send + Sync + 'static {
    /// Stores a new todo.
    fn create(&self, todo: Todo) -> impl Future<Output = Result<Todo, StoreError>> + Send;
    /// At most `limit` todos, oldest first, after the page that returned `cursor`.
    fn list(
        &self,
        limit: usize,
        cursor: Option<String>,
    ) -> impl Future<Output = Result<TodoPage, StoreError>> + Send;
    /// One todo.
    fn get(&self, id: Uuid) -> impl Future<Output = Result<Todo, StoreError>> + Send;
    /// Applies `patch` to a todo and returns the result.
    fn update(&self, id: Uuid, patch: TodoPatch) -> impl Future<Output = Result<Todo, StoreError>> + Send;
    /// Removes a todo.
    fn delete(&self, id: Uuid) -> impl Future<Output = Result<(), StoreError>> + Send;
}

/// Todos in process memory: gone when the process ends (or the Lambda sandbox recycles).
#[derive(Debug, Clone, Default)]
pub struct InMemoryTodoStore {
    todos: Arc<RwLock<BTreeMap<(u64, Uuid), Todo>>>,
}

impl InMemoryTodoStore {
    /// An empty store.
    pub fn new() -> Self {
        InMemoryTodoStore::default()
    }

    fn key_of(todos: &BTreeMap<(u64, Uuid), Todo>, id: Uuid) -> Option<(u64, Uuid)> {
        todos.keys().find(|(_, key_id)| *key_id == id).copied()
    }
}

impl TodoStore for InMemoryTodoStore {
    async fn create(&self, todo: Todo) -> Result<Todo, StoreError> {
        let mut todos = self.todos.write().await;
        let sequence = todos.keys().next_back().map_or(0, |(seq, _)| seq + 1);
        todos.insert((sequence, todo.id), todo.clone());
        Ok(todo)
    }

    /// The cursor is the id of the page's last todo.
    async fn list(&self, limit: usize, cursor: Option<String>) -> Result<TodoPage, StoreError> {
        let todos = self.todos.read().await;
        let start = match cursor {
            None => 0,
            Some(cursor) => {
                let after = cursor.parse::<Uuid>().map_err(|_| StoreError::BadCursor)?;
                let key = Self::key_of(&todos, after).ok_or(StoreError::BadCursor)?;
                todos.range(..=key).count()
            }
        };
        let page: Vec<Todo> = todos.values().skip(start).take(limit).cloned().collect();
        let more = todos.len() > start + page.len();
        let next = more
            .then(|| page.last().map(|todo| todo.id.to_string()))
            .flatten();
        Ok(TodoPage { todos: page, next })
    }

    async fn get(&self, id: Uuid) -> Result<Todo, StoreError> {
        let todos = self.todos.read().await;
        let key = Self::key_of(&todos, id).ok_or(StoreError::NotFound(id))?;
        Ok(todos[&key].clone())
    }

    async fn update(&self, id: Uuid, patch: TodoPatch) -> Result<Todo, StoreError> {
        let mut todos = self.todos.write().await;
        let key = Self::key_of(&todos, id).ok_or(StoreError::NotFound(id))?;
        let todo = todos.get_mut(&key).ok_or(StoreError::NotFound(id))?;
        patch.apply_to(todo);
        Ok(todo.clone())
    }

    async fn delete(&self, id: Uuid) -> Result<(), StoreError> {
        let mut todos = self.todos.write().await;
        let key = Self::key_of(&todos, id).ok_or(StoreError::NotFound(id))?;
        todos.remove(&key);
        Ok(())
    }
}
