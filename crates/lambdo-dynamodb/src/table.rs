//! `Table<T>`: a DynamoDB table of `T`s, mapped with `serde_dynamo`.

use std::{collections::HashMap, marker::PhantomData, sync::Arc, time::Duration};

use aws_sdk_dynamodb::{
    types::{AttributeValue, PutRequest, ReturnValue, WriteRequest},
    Client,
};
use serde::{de::DeserializeOwned, Serialize};

use crate::{cursor::Cursors, trace::traced, TableError};

/// DynamoDB's limit on the writes of one `BatchWriteItem`.
const BATCH_WRITE_LIMIT: usize = 25;

/// A table whose items are `T`s.
///
/// Cheap to clone (the SDK client is shared): build it once at cold start and keep it
/// in the app's state.
///
/// ```no_run
/// use lambdo_dynamodb::{Query, Table};
///
/// #[derive(serde::Serialize, serde::Deserialize)]
/// struct Todo { owner: String, id: String, title: String, version: u64 }
///
/// # async fn demo() -> Result<(), lambdo_dynamodb::TableError> {
/// let client = lambdo_dynamodb::client(&lambdo_dynamodb::load_config().await);
/// let todos: Table<Todo> = Table::new(&client, "todos", "owner").sort_key("id").versioned("version");
///
/// let todo = todos.create(&Todo { owner: "ann".into(), id: "1".into(), title: "write".into(), version: 0 }).await?;
/// assert_eq!(todo.version, 1);
/// let page = todos.query(Query::partition("ann").limit(20)).await?;
/// for todo in &page.items { println!("{}", todo.title); }
/// // `page.cursor` resumes the listing: `Query::partition("ann").after(page.cursor.as_deref())`.
/// # Ok(()) }
/// ```
pub struct Table<T> {
    client: Client,
    name: Arc<str>,
    partition_key: Arc<str>,
    sort_key: Option<Arc<str>>,
    version: Option<Arc<str>>,
    cursors: Cursors,
    batch_attempts: u32,
    batch_backoff: Duration,
    _items: PhantomData<fn() -> T>,
}

impl<T> Clone for Table<T> {
    fn clone(&self) -> Self {
        Table {
            client: self.client.clone(),
            name: Arc::clone(&self.name),
            partition_key: Arc::clone(&self.partition_key),
            sort_key: self.sort_key.clone(),
            version: self.version.clone(),
            cursors: self.cursors.clone(),
            batch_attempts: self.batch_attempts,
            batch_backoff: self.batch_backoff,
            _items: PhantomData,
        }
    }
}

impl<T> std::fmt::Debug for Table<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Table")
            .field("name", &self.name)
            .field("partition_key", &self.partition_key)
            .field("sort_key", &self.sort_key)
            .field("version", &self.version)
            .finish()
    }
}

/// One page of a query or scan.
#[derive(Debug, Clone, PartialEq)]
pub struct Page<T> {
    /// The items of this page.
    pub items: Vec<T>,
    /// Resumes the listing after this page; `None` on the last page.
    pub cursor: Option<String>,
}

/// What a query reads: one partition, optionally a range of sort keys.
///
/// ```
/// let query = lambdo_dynamodb::Query::partition("ann").sort_begins_with("2026-").limit(10).descending();
/// # let _ = query;
/// ```
#[derive(Debug, Clone)]
pub struct Query {
    partition: Result<AttributeValue, String>,
    sort: Option<(SortCondition, Vec<Result<AttributeValue, String>>)>,
    limit: Option<i32>,
    cursor: Option<String>,
    descending: bool,
}

#[derive(Debug, Clone, Copy)]
enum SortCondition {
    Equals,
    BeginsWith,
    Between,
}

fn attribute(value: &impl Serialize) -> Result<AttributeValue, String> {
    serde_dynamo::to_attribute_value(value).map_err(|err| err.to_string())
}

impl Query {
    /// The items whose partition key is `value`.
    pub fn partition(value: impl Serialize) -> Self {
        Query {
            partition: attribute(&value),
            sort: None,
            limit: None,
            cursor: None,
            descending: false,
        }
    }

    /// Only the item whose sort key is `value`.
    pub fn sort_equals(mut self, value: impl Serialize) -> Self {
        self.sort = Some((SortCondition::Equals, vec![attribute(&value)]));
        self
    }

    /// Only items whose (string) sort key starts with `prefix`.
    pub fn sort_begins_with(mut self, prefix: &str) -> Self {
        self.sort = Some((SortCondition::BeginsWith, vec![attribute(&prefix)]));
        self
    }

    /// Only items whose sort key is between `low` and `high`, both included.
    pub fn sort_between(mut self, low: impl Serialize, high: impl Serialize) -> Self {
        self.sort = Some((SortCondition::Between, vec![attribute(&low), attribute(&high)]));
        self
    }

    /// At most `items` per page.
    pub fn limit(mut self, items: i32) -> Self {
        self.limit = Some(items);
        self
    }

    /// Resumes after the page that returned `cursor` (`None`: from the start).
    pub fn after(mut self, cursor: Option<&str>) -> Self {
        self.cursor = cursor.map(str::to_owned);
        self
    }

    /// Sort keys in descending order.
    pub fn descending(mut self) -> Self {
        self.descending = true;
        self
    }
}

impl<T: Serialize + DeserializeOwned> Table<T> {
    /// The table `name`, whose partition key attribute is `partition_key`.
    ///
    /// Cursors are signed with `LAMBDO_CURSOR_SECRET` when it is set, else with the
    /// table's name (which catches edited cursors but not forged ones: set a secret, or
    /// call [`Table::cursor_secret`], where clients must not choose their start key).
    pub fn new(client: &Client, name: impl Into<String>, partition_key: &str) -> Self {
        let name: Arc<str> = name.into().into();
        let secret = std::env::var("LAMBDO_CURSOR_SECRET").unwrap_or_else(|_| name.to_string());
        Table {
            client: client.clone(),
            partition_key: partition_key.into(),
            sort_key: None,
            version: None,
            cursors: Cursors::new(secret.as_bytes()),
            batch_attempts: 8,
            batch_backoff: Duration::from_millis(50),
            name,
            _items: PhantomData,
        }
    }

    /// The table has a sort key, attribute `name`.
    pub fn sort_key(mut self, name: &str) -> Self {
        self.sort_key = Some(name.into());
        self
    }

    /// Optimistic locking on the numeric attribute `name`: a write of an item read at
    /// version `n` stores version `n + 1` and fails with [`TableError::Conflict`] if
    /// the stored item is no longer at `n`. A version of 0 (or none) means "new".
    pub fn versioned(mut self, name: &str) -> Self {
        self.version = Some(name.into());
        self
    }

    /// Signs cursors with `secret` (see [`Table::new`]).
    pub fn cursor_secret(mut self, secret: impl AsRef<[u8]>) -> Self {
        self.cursors = Cursors::new(secret.as_ref());
        self
    }

    /// Batch writes retry unprocessed items up to `attempts` times, waiting `backoff`,
    /// then twice that, and so on (defaults: 8 attempts from 50 ms).
    pub fn batch_retries(mut self, attempts: u32, backoff: Duration) -> Self {
        self.batch_attempts = attempts.max(1);
        self.batch_backoff = backoff;
        self
    }

    /// The table's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The item with `key` (its key attributes, e.g. a struct or map of them), read
    /// consistently.
    pub async fn get(&self, key: &impl Serialize) -> Result<Option<T>, TableError> {
        let request = self
            .client
            .get_item()
            .table_name(&*self.name)
            .set_key(Some(serde_dynamo::to_item(key)?))
            .consistent_read(true);
        let output = traced(&self.client, &self.name, "GetItem", async {
            request.send().await.map_err(TableError::from_sdk)
        })
        .await?;
        output
            .item
            .map(serde_dynamo::from_item)
            .transpose()
            .map_err(TableError::from)
    }

    /// Writes `item`, replacing any item with its key; on a versioned table, only if
    /// the stored version is the item's. Returns the item as stored.
    pub async fn put(&self, item: &T) -> Result<T, TableError> {
        self.write(item, false).await
    }

    /// Writes `item` only if no item has its key: [`TableError::Conflict`] otherwise.
    pub async fn create(&self, item: &T) -> Result<T, TableError> {
        self.write(item, true).await
    }

    async fn write(&self, item: &T, create_only: bool) -> Result<T, TableError> {
        let mut fields: HashMap<String, AttributeValue> = serde_dynamo::to_item(item)?;
        let mut request = self.client.put_item().table_name(&*self.name);
        // No item with this key yet, or the stored item still at the version read.
        let mut must_be_new = create_only;
        let mut expected_version = None;
        if let Some(version) = &self.version {
            let current = match fields.get(&**version) {
                None | Some(AttributeValue::Null(_)) => 0,
                Some(AttributeValue::N(number)) => number.parse::<u64>().map_err(|_| {
                    TableError::Validation(format!("version `{version}` is not a whole number"))
                })?,
                Some(_) => {
                    return Err(TableError::Validation(format!(
                        "version `{version}` is not a number"
                    )))
                }
            };
            fields.insert(version.to_string(), AttributeValue::N((current + 1).to_string()));
            if current == 0 {
                must_be_new = true;
            } else if !create_only {
                expected_version = Some((version, current));
            }
        }
        let condition = match (must_be_new, expected_version) {
            (true, _) => {
                request = request.expression_attribute_names("#pk", &*self.partition_key);
                Some("attribute_not_exists(#pk)")
            }
            (false, Some((version, current))) => {
                request = request
                    .expression_attribute_names("#version", &**version)
                    .expression_attribute_values(":version", AttributeValue::N(current.to_string()));
                Some("#version = :version")
            }
            (false, None) => None,
        };
        let request = request
            .set_condition_expression(condition.map(str::to_owned))
            .set_item(Some(fields.clone()));
        traced(&self.client, &self.name, "PutItem", async {
            request.send().await.map_err(TableError::from_sdk)
        })
        .await
        .map_err(|error| match error {
            TableError::Conflict(_) if create_only || self.version.is_none() => {
                TableError::Conflict("an item with this key exists".into())
            }
            TableError::Conflict(_) => {
                TableError::Conflict("the item changed since it was read (stale version)".into())
            }
            other => other,
        })?;
        Ok(serde_dynamo::from_item(fields)?)
    }

    /// Deletes the item with `key` and returns it; [`TableError::NotFound`] if there was
    /// none.
    pub async fn delete(&self, key: &impl Serialize) -> Result<T, TableError> {
        let request = self
            .client
            .delete_item()
            .table_name(&*self.name)
            .set_key(Some(serde_dynamo::to_item(key)?))
            .return_values(ReturnValue::AllOld);
        let output = traced(&self.client, &self.name, "DeleteItem", async {
            request.send().await.map_err(TableError::from_sdk)
        })
        .await?;
        let old = output.attributes.ok_or(TableError::NotFound)?;
        Ok(serde_dynamo::from_item(old)?)
    }

    /// One page of the items `query` selects.
    pub async fn query(&self, query: Query) -> Result<Page<T>, TableError> {
        let partition = query.partition.map_err(TableError::Validation)?;
        let scope = format!("{}|query|{partition:?}", self.name);
        let mut condition = "#pk = :pk".to_owned();
        let mut request = self
            .client
            .query()
            .table_name(&*self.name)
            .expression_attribute_names("#pk", &*self.partition_key)
            .expression_attribute_values(":pk", partition)
            .scan_index_forward(!query.descending)
            .set_limit(query.limit);
        if let Some((kind, values)) = query.sort {
            let sort_key = self
                .sort_key
                .as_deref()
                .ok_or_else(|| TableError::Validation("the table has no sort key".into()))?;
            request = request.expression_attribute_names("#sk", sort_key);
            for (index, value) in values.into_iter().enumerate() {
                let value = value.map_err(TableError::Validation)?;
                request = request.expression_attribute_values(format!(":sk{index}"), value);
            }
            condition.push_str(match kind {
                SortCondition::Equals => " AND #sk = :sk0",
                SortCondition::BeginsWith => " AND begins_with(#sk, :sk0)",
                SortCondition::Between => " AND #sk BETWEEN :sk0 AND :sk1",
            });
        }
        if let Some(cursor) = &query.cursor {
            request = request.set_exclusive_start_key(Some(self.cursors.open(&scope, cursor)?));
        }
        let request = request.key_condition_expression(condition);
        let output = traced(&self.client, &self.name, "Query", async {
            request.send().await.map_err(TableError::from_sdk)
        })
        .await?;
        self.page(&scope, output.items, output.last_evaluated_key)
    }

    /// One page of every item in the table, at most `limit` of them.
    pub async fn scan(&self, limit: i32, cursor: Option<&str>) -> Result<Page<T>, TableError> {
        let scope = format!("{}|scan", self.name);
        let start = cursor
            .map(|cursor| self.cursors.open(&scope, cursor))
            .transpose()?;
        let request = self
            .client
            .scan()
            .table_name(&*self.name)
            .limit(limit)
            .set_exclusive_start_key(start);
        let output = traced(&self.client, &self.name, "Scan", async {
            request.send().await.map_err(TableError::from_sdk)
        })
        .await?;
        self.page(&scope, output.items, output.last_evaluated_key)
    }

    fn page(
        &self,
        scope: &str,
        items: Option<Vec<HashMap<String, AttributeValue>>>,
        last_key: Option<HashMap<String, AttributeValue>>,
    ) -> Result<Page<T>, TableError> {
        let items = items
            .unwrap_or_default()
            .into_iter()
            .map(serde_dynamo::from_item)
            .collect::<Result<Vec<T>, _>>()?;
        let cursor = last_key
            .filter(|key| !key.is_empty())
            .map(|key| self.cursors.issue(scope, key))
            .transpose()?;
        Ok(Page { items, cursor })
    }

    /// Writes every item (replacing items with the same keys), 25 per request, and
    /// writes again what DynamoDB returns as unprocessed, with backoff; fails with
    /// [`TableError::Throttled`] if items are still unprocessed after the last attempt.
    /// Not for versioned tables' optimistic locking: batch writes carry no conditions.
    pub async fn put_all(&self, items: &[T]) -> Result<(), TableError> {
        for chunk in items.chunks(BATCH_WRITE_LIMIT) {
            let mut writes = chunk
                .iter()
                .map(|item| {
                    let put = PutRequest::builder()
                        .set_item(Some(serde_dynamo::to_item(item)?))
                        .build();
                    let put = put.map_err(|err| TableError::Validation(err.to_string()))?;
                    Ok(WriteRequest::builder().put_request(put).build())
                })
                .collect::<Result<Vec<_>, TableError>>()?;
            let mut backoff = self.batch_backoff;
            for attempt in 1..=self.batch_attempts {
                let request = self.client.batch_write_item().request_items(&*self.name, writes);
                let output = traced(&self.client, &self.name, "BatchWriteItem", async {
                    request.send().await.map_err(TableError::from_sdk)
                })
                .await?;
                writes = output
                    .unprocessed_items
                    .and_then(|mut unprocessed| unprocessed.remove(&*self.name))
                    .unwrap_or_default();
                if writes.is_empty() {
                    break;
                }
                if attempt == self.batch_attempts {
                    return Err(TableError::Throttled(format!(
                        "{} items still unprocessed after {attempt} attempts",
                        writes.len()
                    )));
                }
                tracing::debug!(
                    unprocessed = writes.len(),
                    attempt,
                    "retrying unprocessed batch writes"
                );
                tokio::time::sleep(backoff).await;
                backoff *= 2;
            }
        }
        Ok(())
    }
}
