//! The end-to-end benchmark's HTTP API: a todo service of ten routes, the size of a
//! small real API, written twice:
//!
//! - [`router`]: axum handlers over typed paths and JSON bodies, which lambdo
//!   (`App::http`) and `lambda_http::run` both serve;
//! - [`on_http_event`]: the hand-written `lambda_runtime` handler people write without a
//!   router: the HTTP API v2 event as its `aws_lambda_events` struct, the method and
//!   path matched by hand, the JSON bodies built with `serde_json`.
//!
//! Both answer the same status and body for every route (see the tests).

use aws_lambda_events::{
    apigw::{ApiGatewayV2httpRequest, ApiGatewayV2httpResponse},
    encodings::Body,
};
use axum::{
    extract::{Path, Query},
    routing::get,
    Json, Router,
};
use http::{Method, StatusCode};
use lambda_runtime::LambdaEvent;
use serde::{Deserialize, Serialize};

/// A todo, as every route returns it.
#[derive(Debug, Serialize)]
pub struct Todo {
    /// Its id.
    pub id: u64,
    /// What to do.
    pub title: String,
    /// Whether it is done.
    pub completed: bool,
}

/// A todo to create or replace.
#[derive(Debug, Deserialize)]
pub struct NewTodo {
    /// What to do.
    pub title: String,
    /// Whether it is done already.
    #[serde(default)]
    pub completed: bool,
}

/// A change to a todo: the fields given.
#[derive(Debug, Deserialize)]
pub struct TodoPatch {
    /// A new title.
    pub title: Option<String>,
    /// A new state.
    pub completed: Option<bool>,
}

/// A comment on a todo.
#[derive(Debug, Serialize, Deserialize)]
pub struct Comment {
    /// Who wrote it.
    pub author: String,
    /// What they wrote.
    pub text: String,
}

/// `GET /todos?limit=N`.
#[derive(Debug, Deserialize)]
pub struct Page {
    /// How many todos (3 unless given).
    pub limit: Option<u64>,
}

fn todo(id: u64) -> Todo {
    Todo {
        id,
        title: "measure the whole process".to_owned(),
        completed: false,
    }
}

fn list(limit: Option<u64>) -> Vec<Todo> {
    (1..=limit.unwrap_or(3).min(100)).map(todo).collect()
}

fn created(new: NewTodo) -> Todo {
    Todo {
        id: 7,
        title: new.title,
        completed: new.completed,
    }
}

fn replaced(id: u64, new: NewTodo) -> Todo {
    Todo {
        id,
        title: new.title,
        completed: new.completed,
    }
}

fn patched(id: u64, patch: TodoPatch) -> Todo {
    let mut todo = todo(id);
    todo.title = patch.title.unwrap_or(todo.title);
    todo.completed = patch.completed.unwrap_or(todo.completed);
    todo
}

fn comments() -> Vec<Comment> {
    vec![Comment {
        author: "ada".to_owned(),
        text: "started".to_owned(),
    }]
}

fn user(id: u64) -> serde_json::Value {
    serde_json::json!({"id": id, "name": "Ada", "todos": 3})
}

/// The ten routes as axum handlers.
pub fn router() -> Router {
    Router::new()
        .route("/health", get(|| async { Json(serde_json::json!({"ok": true})) }))
        .route(
            "/todos",
            get(|Query(page): Query<Page>| async move { Json(list(page.limit)) })
                .post(|Json(new): Json<NewTodo>| async move { (StatusCode::CREATED, Json(created(new))) }),
        )
        .route(
            "/todos/{id}",
            get(|Path(id): Path<u64>| async move { Json(todo(id)) })
                .put(|Path(id): Path<u64>, Json(new): Json<NewTodo>| async move { Json(replaced(id, new)) })
                .patch(|Path(id): Path<u64>, Json(patch): Json<TodoPatch>| async move { Json(patched(id, patch)) })
                .delete(|Path(_id): Path<u64>| async { StatusCode::NO_CONTENT }),
        )
        .route(
            "/todos/{id}/comments",
            get(|Path(_id): Path<u64>| async { Json(comments()) }).post(
                |Path(_id): Path<u64>, Json(comment): Json<Comment>| async move {
                    (StatusCode::CREATED, Json(comment))
                },
            ),
        )
        .route("/users/{id}", get(|Path(id): Path<u64>| async move { Json(user(id)) }))
}

/// The same ten routes handled by hand: what `lambda_runtime::run(service_fn(..))` runs.
pub async fn on_http_event(
    event: LambdaEvent<ApiGatewayV2httpRequest>,
) -> Result<ApiGatewayV2httpResponse, lambda_runtime::Error> {
    let request = event.payload;
    let method = &request.request_context.http.method;
    let path = request.raw_path.as_deref().unwrap_or_default();
    let segments: Vec<&str> = path.trim_matches('/').split('/').collect();
    let body = request.body.as_deref().unwrap_or_default();
    // The id of `/todos/{id}…` and `/users/{id}`, parsed once; routes that take one
    // match only when it parses.
    let id = segments.get(1).and_then(|segment| segment.parse::<u64>().ok());
    let answer = match (method, segments.as_slice(), id) {
        (&Method::GET, ["health"], _) => json(StatusCode::OK, &serde_json::json!({"ok": true})),
        (&Method::GET, ["todos"], _) => {
            let limit = request
                .query_string_parameters
                .first("limit")
                .and_then(|limit| limit.parse().ok());
            json(StatusCode::OK, &list(limit))
        }
        (&Method::POST, ["todos"], _) => {
            serde_json::from_str(body).map(|new| json(StatusCode::CREATED, &created(new)))?
        }
        (&Method::GET, ["todos", _], Some(id)) => json(StatusCode::OK, &todo(id)),
        (&Method::PUT, ["todos", _], Some(id)) => {
            serde_json::from_str(body).map(|new| json(StatusCode::OK, &replaced(id, new)))?
        }
        (&Method::PATCH, ["todos", _], Some(id)) => {
            serde_json::from_str(body).map(|patch| json(StatusCode::OK, &patched(id, patch)))?
        }
        (&Method::DELETE, ["todos", _], Some(_)) => empty(StatusCode::NO_CONTENT),
        (&Method::GET, ["todos", _, "comments"], Some(_)) => json(StatusCode::OK, &comments()),
        (&Method::POST, ["todos", _, "comments"], Some(_)) => {
            serde_json::from_str::<Comment>(body).map(|comment| json(StatusCode::CREATED, &comment))?
        }
        (&Method::GET, ["users", _], Some(id)) => json(StatusCode::OK, &user(id)),
        _ => empty(StatusCode::NOT_FOUND),
    };
    Ok(answer)
}

fn json(status: StatusCode, body: &impl Serialize) -> ApiGatewayV2httpResponse {
    let mut response = empty(status);
    response.headers.insert(
        http::header::CONTENT_TYPE,
        http::HeaderValue::from_static("application/json"),
    );
    response.body = Some(Body::Text(serde_json::to_string(body).expect("serializable")));
    response
}

fn empty(status: StatusCode) -> ApiGatewayV2httpResponse {
    let mut response = ApiGatewayV2httpResponse::default();
    response.status_code = i64::from(status.as_u16());
    response
}

#[cfg(test)]
mod tests {
    use super::*;
    use lambdo_testing::{HttpEvent, PayloadVersion};

    fn request(method: &str, uri: &str, body: &str) -> http::Request<String> {
        http::Request::builder()
            .method(method)
            .uri(uri)
            .header("content-type", "application/json")
            .body(body.to_owned())
            .expect("a request")
    }

    /// Every route answers the same status and JSON body from axum (through lambdo) and
    /// from the hand-written handler, so the benchmark compares like with like.
    #[tokio::test]
    async fn both_apis_answer_every_route_alike() {
        let lambdo = lambdo::App::new(()).http(router()).into_function();
        let requests = [
            request("GET", "/health", ""),
            request("GET", "/todos?limit=2", ""),
            request("POST", "/todos", r#"{"title":"a"}"#),
            request("GET", "/todos/4", ""),
            request("PUT", "/todos/4", r#"{"title":"b","completed":true}"#),
            request("PATCH", "/todos/4", r#"{"completed":true}"#),
            request("DELETE", "/todos/4", ""),
            request("GET", "/todos/4/comments", ""),
            request("POST", "/todos/4/comments", r#"{"author":"x","text":"y"}"#),
            request("GET", "/users/9", ""),
            request("GET", "/nowhere", ""),
        ];
        for request in &requests {
            let event = HttpEvent::new(PayloadVersion::HttpV2).from_request(request);
            let bytes = bytes::Bytes::from(serde_json::to_vec(&event).unwrap());
            let ours: serde_json::Value =
                serde_json::from_str(lambdo.call(bytes, crate::context()).await.unwrap().get()).unwrap();
            let payload: ApiGatewayV2httpRequest = serde_json::from_value(event).unwrap();
            let theirs = on_http_event(LambdaEvent::new(payload, crate::context()))
                .await
                .unwrap();
            let theirs = serde_json::to_value(theirs).unwrap();
            let what = format!("{} {}", request.method(), request.uri());
            assert_eq!(ours["statusCode"], theirs["statusCode"], "{what}");
            let body = |answer: &serde_json::Value| {
                answer["body"]
                    .as_str()
                    .filter(|body| !body.is_empty())
                    .map(|body| serde_json::from_str::<serde_json::Value>(body).unwrap())
            };
            if theirs["statusCode"] != 404 {
                assert_eq!(body(&ours), body(&theirs), "{what}");
            }
        }
    }
}
