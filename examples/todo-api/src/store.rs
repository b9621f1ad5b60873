//! Where todos live: the `TodoStore` trait and the in-memory store used locally.

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
    /// The backing store failed; the message is for logs only.
    #[error("the todo store is unavailable: {0}")]
    Unavailable(String),
}

/// Storage for todos. The in-memory store serves local runs and tests; a DynamoDB store
/// takes its place in the cloud.
pub trait TodoStore: Clone + Send + Sync + 'static {
    /// Stores a new todo.
    fn create(&self, todo: Todo) -> impl Future<Output = Result<Todo, StoreError>> + Send;
    /// Every todo, oldest first.
    fn list(&self) -> impl Future<Output = Result<Vec<Todo>, StoreError>> + Send;
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

    async fn list(&self) -> Result<Vec<Todo>, StoreError> {
        Ok(self.todos.read().await.values().cloned().collect())
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
