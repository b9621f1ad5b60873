//! The HTTP API: plain axum handlers over lambdo's `Json` and `Problem`.

use axum::{
    extract::{Path, Query, State},
    http::{header, StatusCode},
    response::{AppendHeaders, IntoResponse},
    routing::get,
    Router,
};
use lambdo::{
    http::{LambdaContext, Problem},
    metrics::{Metrics, Unit},
    Json,
};
use lambdo_dynamodb::IdempotencyKey;
use serde::Deserialize;
use uuid::Uuid;

use crate::{
    store::{StoreError, TodoStore},
    todo::{NewTodo, Todo, TodoPatch},
    Todos,
};

/// The todo routes. Written without any stage prefix: lambdo strips API Gateway stages.
pub fn router<S: TodoStore>() -> Router<Todos<S>> {
    Router::new()
        .route("/todos", get(list_todos::<S>).post(create_todo::<S>))
        .route("/todos/export", get(export_todos::<S>))
        .route(
            "/todos/{id}",
            get(get_todo::<S>)
                .patch(update_todo::<S>)
                .delete(delete_todo::<S>),
        )
}

/// Creates a todo. With an `Idempotency-Key` header (and an idempotency table), a
/// repeat of the request gets the todo the first one created, a repeat while the first
/// is still running gets 409, and the key sent with another body gets 422.
async fn create_todo<S: TodoStore>(
    State(todos): State<Todos<S>>,
    LambdaContext(context): LambdaContext,
    key: Option<IdempotencyKey>,
    metrics: Metrics,
    Json(new_todo): Json<NewTodo>,
) -> Result<impl IntoResponse, Problem> {
    // Validated before any claim: an invalid body never touches the idempotency table.
    let todo = new_todo.to_todo()?;
    let create = || async {
        let todo = todos.store.create(todo).await?;
        tracing::info!(todo_id = %todo.id, "todo created");
        // A constant name and unit never fail to record; a metric is not worth a 500.
        let _ = metrics.add("TodosCreated", Unit::Count, 1.0);
        Ok::<_, Problem>(todo)
    };
    let todo = match (&todos.idempotency, key) {
        (Some(idempotency), Some(key)) => idempotency.run(&context, key, &new_todo, create).await?,
        _ => create().await?,
    };
    let location = format!("/todos/{}", todo.id);
    Ok((StatusCode::CREATED, [(header::LOCATION, location)], Json(todo)))
}

/// Every todo, one JSON object per line (NDJSON), read from the store a page at a time
/// while the response is sent. Through the Function URL (`InvokeMode: RESPONSE_STREAM`,
/// lambdo's `stream_function_urls`) each page goes out as soon as it is read, and the
/// export may grow past the 6 MB of a buffered response.
async fn export_todos<S: TodoStore>(State(Todos { store, .. }): State<Todos<S>>) -> impl IntoResponse {
    // `Some(cursor)` for the next page to read, `None` after the last one.
    let pages = futures_util::stream::try_unfold(Some(None), move |next: Option<Option<String>>| {
        let store = store.clone();
        async move {
            let Some(cursor) = next else {
                return Ok::<_, lambdo::BoxError>(None);
            };
            let page = store.list(MAX_PAGE, cursor).await?;
            let mut lines = Vec::new();
            for todo in &page.todos {
                serde_json::to_writer(&mut lines, todo)?;
                lines.push(b'\n');
            }
            Ok(Some((lines, page.next.map(Some))))
        }
    });
    (
        [(header::CONTENT_TYPE, "application/x-ndjson")],
        axum::body::Body::from_stream(pages),
    )
}

/// The largest page `GET /todos` returns.
pub const MAX_PAGE: usize = 100;

/// `GET /todos?limit=&cursor=`.
#[derive(Debug, Deserialize)]
struct Listing {
    limit: Option<usize>,
    cursor: Option<String>,
}

/// One page of todos as a JSON array; a `Link: <…>; rel="next"` header points at the
/// next page (RFC 8288).
async fn list_todos<S: TodoStore>(
    State(Todos { store, .. }): State<Todos<S>>,
    Query(listing): Query<Listing>,
) -> Result<impl IntoResponse, Problem> {
    let limit = listing.limit.unwrap_or(MAX_PAGE);
    if !(1..=MAX_PAGE).contains(&limit) {
        return Err(
            Problem::bad_request(format!("limit must be between 1 and {MAX_PAGE}"))
                .with_extension("parameter", "limit"),
        );
    }
    let page = store.list(limit, listing.cursor).await?;
    let link = page.next.map(|cursor| {
        let cursor: String = form_urlencoded::byte_serialize(cursor.as_bytes()).collect();
        (
            header::LINK,
            format!("</todos?limit={limit}&cursor={cursor}>; rel=\"next\""),
        )
    });
    Ok((AppendHeaders(link), Json(page.todos)))
}

async fn get_todo<S: TodoStore>(
    State(Todos { store, .. }): State<Todos<S>>,
    Path(id): Path<Uuid>,
) -> Result<Json<Todo>, Problem> {
    Ok(Json(store.get(id).await?))
}

async fn update_todo<S: TodoStore>(
    State(Todos { store, .. }): State<Todos<S>>,
    Path(id): Path<Uuid>,
    Json(patch): Json<TodoPatch>,
) -> Result<Json<Todo>, Problem> {
    Ok(Json(store.update(id, patch.validated()?).await?))
}

async fn delete_todo<S: TodoStore>(
    State(Todos { store, .. }): State<Todos<S>>,
    Path(id): Path<Uuid>,
) -> Result<StatusCode, Problem> {
    store.delete(id).await?;
    tracing::info!(todo_id = %id, "todo deleted");
    Ok(StatusCode::NO_CONTENT)
}

impl From<StoreError> for Problem {
    fn from(error: StoreError) -> Self {
        match error {
            StoreError::NotFound(_) => Problem::not_found(error.to_string()),
            StoreError::BadCursor => {
                Problem::bad_request(error.to_string()).with_extension("parameter", "cursor")
            }
            StoreError::Conflict(_) => Problem::conflict(error.to_string()),
            // The cause goes to the log; the client sees a plain 503.
            StoreError::Unavailable(_) => {
                tracing::error!(error = %error, "todo store failed");
                Problem::new(StatusCode::SERVICE_UNAVAILABLE)
            }
        }
    }
}
