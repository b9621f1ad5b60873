//! An audit of the todos table, from its DynamoDB stream (`NEW_AND_OLD_IMAGES`): each
//! change is one log line saying what changed, and one EMF metric by kind
//! (`TodosCreated`, `TodosCompleted`, `TodosReopened`, `TodosRenamed`, `TodosDeleted`,
//! and `TodosExpired` for deletions by DynamoDB's time to live). The images are decoded
//! into [`TodoItem`], the item as `todo-api` stores it; an item of another shape fails
//! its record alone, and the records after it in its shard are retried (lambdo reports
//! them in `batchItemFailures`).
//!
//! The binary (`src/main.rs`) runs [`app`].

use lambdo::{
    dynamodb::{Change, StreamRecord},
    metrics::{Metrics, Unit},
    App,
};
use serde::Deserialize;
use uuid::Uuid;

/// A todo as the todos table holds it (partition key `pk`, sort key `id`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct TodoItem {
    /// The partition: every todo is in `todos`.
    pub pk: String,
    /// The todo's id.
    pub id: Uuid,
    /// What to do.
    pub title: String,
    /// Whether it is done.
    pub completed: bool,
    /// Raised by every update (optimistic locking); absent on old items.
    #[serde(default)]
    pub version: u64,
}

/// What one change did to a todo, as the audit counts it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Audited {
    /// A new todo.
    Created,
    /// Marked done.
    Completed,
    /// Marked not done again.
    Reopened,
    /// Its title changed (and nothing that counts more).
    Renamed,
    /// Written again without a visible change (a retried update).
    Unchanged,
    /// Deleted by a client.
    Deleted,
    /// Deleted by the table's time to live.
    Expired,
}

impl Audited {
    /// What `change` did; `by_ttl` when DynamoDB's time to live removed the item.
    pub fn of(change: &Change<TodoItem>, by_ttl: bool) -> Self {
        match change {
            Change::Insert { .. } => Audited::Created,
            Change::Remove { .. } if by_ttl => Audited::Expired,
            Change::Remove { .. } => Audited::Deleted,
            Change::Modify { old: Some(old), new } if old.completed != new.completed => {
                if new.completed {
                    Audited::Completed
                } else {
                    Audited::Reopened
                }
            }
            Change::Modify { old: Some(old), new } if old.title != new.title => Audited::Renamed,
            // Without the old image nothing tells what changed.
            Change::Modify { old: Some(_), .. } | Change::Modify { old: None, .. } => Audited::Unchanged,
        }
    }

    /// The metric this kind of change counts in (none for a change that changed
    /// nothing).
    pub fn metric(self) -> Option<&'static str> {
        Some(match self {
            Audited::Created => "TodosCreated",
            Audited::Completed => "TodosCompleted",
            Audited::Reopened => "TodosReopened",
            Audited::Renamed => "TodosRenamed",
            Audited::Unchanged => return None,
            Audited::Deleted => "TodosDeleted",
            Audited::Expired => "TodosExpired",
        })
    }
}

async fn audit(metrics: Metrics, record: StreamRecord<TodoItem>) -> Result<(), lambdo::BoxError> {
    let audited = Audited::of(&record.change, record.removed_by_ttl());
    let id = match &record.change {
        Change::Insert { new } | Change::Modify { new, .. } => Some(new.id),
        Change::Remove { old } => old.as_ref().map(|old| old.id),
    };
    tracing::info!(
        todo_id = id.map(|id| id.to_string()),
        change = ?audited,
        sequence_number = record.sequence_number(),
        "todo changed"
    );
    if let Some(metric) = audited.metric() {
        metrics.add(metric, Unit::Count, 1.0)?;
    }
    Ok(())
}

/// The whole function: the todos table's stream, one change at a time in shard order.
pub fn app() -> App<()> {
    App::new(()).dynamodb_stream(audit)
}
