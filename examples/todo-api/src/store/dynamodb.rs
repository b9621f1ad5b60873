//! Todos in a DynamoDB table, through `lambdo_dynamodb::Table`: one partition, sorted
//! by id (UUID v7, so by creation time), optimistic locking on `version`.

use lambdo_dynamodb::{Query, Table, TableError};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::{
    store::{StoreError, TodoPage, TodoStore},
    todo::{Todo, TodoPatch},
};

/// The partition every todo lives in (one list per deployment).
const PARTITION: &str = "todos";

/// How often an update re-reads and retries after losing a race.
const UPDATE_ATTEMPTS: u32 = 8;

/// A todo as stored.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Item {
    pk: String,
    id: Uuid,
    title: String,
    completed: bool,
    #[serde(default)]
    version: u64,
}

impl From<Item> for Todo {
    fn from(item: Item) -> Todo {
        Todo {
            id: item.id,
            title: item.title,
            completed: item.completed,
        }
    }
}

#[derive(Serialize)]
struct Key<'a> {
    pk: &'a str,
    id: Uuid,
}

fn key(id: Uuid) -> Key<'static> {
    Key { pk: PARTITION, id }
}

/// Todos in the DynamoDB table `TABLE_NAME` (partition key `pk`, sort key `id`, both
/// strings).
#[derive(Debug, Clone)]
pub struct DynamoDbTodoStore {
    table: Table<Item>,
}

impl DynamoDbTodoStore {
    /// The store on `table`.
    pub fn new(client: &aws_sdk_dynamodb::Client, table: &str) -> Self {
        DynamoDbTodoStore {
            table: Table::new(client, table, "pk")
                .sort_key("id")
                .versioned("version"),
        }
    }

    /// Signs the listing's page cursors with `secret` (see `Table::cursor_secret`): a
    /// client can then neither forge nor edit one.
    pub fn cursor_secret(mut self, secret: &str) -> Self {
        self.table = self.table.cursor_secret(secret);
        self
    }
}

fn store_error(id: Option<Uuid>, error: TableError) -> StoreError {
    match (error, id) {
        (TableError::NotFound, Some(id)) => StoreError::NotFound(id),
        (TableError::BadCursor, _) => StoreError::BadCursor,
        (TableError::Conflict(message), _) => StoreError::Conflict(message),
        (other, _) => StoreError::Unavailable(other.to_string()),
    }
}

impl TodoStore for DynamoDbTodoStore {
    async fn create(&self, todo: Todo) -> Result<Todo, StoreError> {
        let item = Item {
            pk: PARTITION.to_owned(),
            id: todo.id,
            title: todo.title,
            completed: todo.completed,
            version: 0,
        };
        let stored = self
            .table
            .create(&item)
            .await
            .map_err(|err| store_error(None, err))?;
        Ok(stored.into())
    }

    async fn list(&self, limit: usize, cursor: Option<String>) -> Result<TodoPage, StoreError> {
        let limit = i32::try_from(limit).unwrap_or(i32::MAX);
        let query = Query::partition(PARTITION).limit(limit).after(cursor.as_deref());
        let page = self
            .table
            .query(query)
            .await
            .map_err(|err| store_error(None, err))?;
        Ok(TodoPage {
            todos: page.items.into_iter().map(Todo::from).collect(),
            next: page.cursor,
        })
    }

    async fn get(&self, id: Uuid) -> Result<Todo, StoreError> {
        match self.table.get(&key(id)).await {
            Ok(Some(item)) => Ok(item.into()),
            Ok(None) => Err(StoreError::NotFound(id)),
            Err(error) => Err(store_error(Some(id), error)),
        }
    }

    /// Read, patch, write back at the version read; a concurrent change makes the write
    /// fail, and the patch is applied again to the newer todo.
    async fn update(&self, id: Uuid, patch: TodoPatch) -> Result<Todo, StoreError> {
        for _ in 0..UPDATE_ATTEMPTS {
            let mut item = self
                .table
                .get(&key(id))
                .await
                .map_err(|err| store_error(Some(id), err))?
                .ok_or(StoreError::NotFound(id))?;
            let mut todo = Todo::from(item.clone());
            patch.clone().apply_to(&mut todo);
            item.title = todo.title;
            item.completed = todo.completed;
            match self.table.put(&item).await {
                Ok(stored) => return Ok(stored.into()),
                Err(TableError::Conflict(_)) => {
                    // Back off a little, differently per request, before re-reading.
                    let jitter = u64::from(Uuid::new_v4().as_bytes()[0] % 8);
                    tokio::time::sleep(std::time::Duration::from_millis(5 + jitter)).await;
                    continue;
                }
                Err(error) => return Err(store_error(Some(id), error)),
            }
        }
        Err(StoreError::Conflict(format!(
            "todo {id} kept changing; gave up after {UPDATE_ATTEMPTS} attempts"
        )))
    }

    async fn delete(&self, id: Uuid) -> Result<(), StoreError> {
        self.table
            .delete(&key(id))
            .await
            .map(|_| ())
            .map_err(|err| store_error(Some(id), err))
    }
}
