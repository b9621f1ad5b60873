//! A nightly report on the todos table: on each tick of its schedule (an EventBridge
//! rule, or an EventBridge Scheduler schedule), the todos are read page by page and
//! summed up as EMF metrics (`TodosOpen`, `TodosDone`, `TodosTotal`) and one log line.
//! A table that cannot be read fails the invocation (EventBridge retries it).
//!
//! The binary (`src/main.rs`) runs [`app`] with the table named by `TABLE_NAME`.

use lambdo::{
    eventbridge::Scheduled,
    metrics::{Metrics, Unit},
    App, State,
};
use lambdo_dynamodb::{Query, Table, TableError};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// The partition every todo is in (`todo-api`'s).
const PARTITION: &str = "todos";

/// Todos read per page: each page is one Query request.
const PAGE: i32 = 100;

/// A todo as the todos table holds it (partition key `pk`, sort key `id`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TodoItem {
    /// The partition: every todo is in `todos`.
    pub pk: String,
    /// The todo's id.
    pub id: Uuid,
    /// What to do.
    pub title: String,
    /// Whether it is done.
    pub completed: bool,
}

/// The function's state: the todos table.
#[derive(Clone)]
pub struct Report {
    todos: Table<TodoItem>,
}

impl Report {
    /// The report on the todos table `table`.
    pub fn new(client: &aws_sdk_dynamodb::Client, table: &str) -> Self {
        Report {
            todos: Table::new(client, table, "pk").sort_key("id"),
        }
    }

    /// How many todos are open and done, every page read.
    pub async fn count(&self) -> Result<Counts, TableError> {
        let mut counts = Counts::default();
        let mut cursor = None;
        loop {
            let page = self
                .todos
                .query(Query::partition(PARTITION).limit(PAGE).after(cursor.as_deref()))
                .await?;
            for todo in &page.items {
                if todo.completed {
                    counts.done += 1;
                } else {
                    counts.open += 1;
                }
            }
            match page.cursor {
                Some(next) => cursor = Some(next),
                None => return Ok(counts),
            }
        }
    }
}

/// The report's figures.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Counts {
    /// Todos not done.
    pub open: u64,
    /// Todos done.
    pub done: u64,
}

async fn report(State(report): State<Report>, metrics: Metrics, tick: Scheduled) -> Result<(), TableError> {
    let counts = report.count().await?;
    tracing::info!(
        schedule = tick.schedule_arn.as_deref(),
        scheduled_for = tick.time,
        open = counts.open,
        done = counts.done,
        "nightly report"
    );
    // Counts, not rates: CloudWatch keeps one data point a night per metric.
    for (name, value) in [
        ("TodosOpen", counts.open),
        ("TodosDone", counts.done),
        ("TodosTotal", counts.open + counts.done),
    ] {
        metrics.add(name, Unit::Count, value as f64).ok();
    }
    Ok(())
}

/// The whole function: every schedule it is the target of runs the report.
pub fn app(report: Report) -> App<Report> {
    App::new(report).schedule(self::report)
}
