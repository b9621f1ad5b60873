//! The same axum router through every HTTP payload Lambda delivers (REST v1, HTTP API
//! v2, ALB with and without multi-value headers, Function URLs), in-process, through
//! lambdo's real event → request → response path.

use std::collections::HashMap;

use axum::{
    extract::{Path, Query},
    http::{header, StatusCode},
    response::{AppendHeaders, IntoResponse},
    routing::{get, post},
    Router,
};
use http::Request;
use lambdo::{
    http::{Claims, LambdaContext, Problem, RequestContext},
    App, Json,
};
use lambdo_testing::{fixtures, PayloadVersion, TestClient};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

#[derive(Debug, Deserialize, Serialize)]
struct Item {
    name: String,
    quantity: u32,
    tags: Vec<String>,
}

#[derive(Debug, Deserialize)]
struct User {
    sub: String,
    email: String,
}

async fn get_todo(Path(id): Path<u32>, Query(query): Query<HashMap<String, String>>) -> Json<Value> {
    Json(json!({ "id": id, "query": query }))
}

async fn create_item(Json(item): Json<Item>) -> impl IntoResponse {
    (StatusCode::CREATED, Json(item))
}

async fn echo(body: axum::body::Bytes) -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "application/octet-stream")], body)
}

async fn cookies(headers: http::HeaderMap) -> impl IntoResponse {
    let received = headers
        .get(header::COOKIE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    (
        AppendHeaders([
            (header::SET_COOKIE, "session=abc; HttpOnly; Secure"),
            (header::SET_COOKIE, "theme=dark; Path=/"),
        ]),
        received,
    )
}

async fn fail() -> Result<String, Problem> {
    Err(Problem::internal(
        "connecting to db.internal:5432 with password=hunter2 failed",
    ))
}

async fn explode() -> String {
    panic!("index out of bounds in the handler")
}

async fn huge() -> String {
    "x".repeat(7 * 1024 * 1024)
}

async fn whoami(
    LambdaContext(context): LambdaContext,
    request_context: Option<RequestContext>,
) -> Json<Value> {
    Json(json!({
        "requestId": context.request_id,
        "hasRequestContext": request_context.is_some(),
    }))
}

async fn me(Claims(user): Claims<User>) -> String {
    format!("{} {}", user.sub, user.email)
}

fn client() -> TestClient {
    let router = Router::new()
        .route("/todos/{id}", get(get_todo))
        .route("/items", post(create_item))
        .route("/echo", post(echo))
        .route("/cookies", get(cookies))
        .route("/fail", get(fail))
        .route("/panic", get(explode))
        .route("/huge", get(huge))
        .route("/whoami", get(whoami))
        .route("/me", get(me));
    TestClient::new(App::new(()).http(router).body_limit(1024).into_function())
}

fn get_request(uri: &str) -> Request<Vec<u8>> {
    Request::get(uri).body(Vec::new()).unwrap()
}

fn json_request(uri: &str, body: &str) -> Request<Vec<u8>> {
    Request::post(uri)
        .header("content-type", "application/json")
        .body(body.as_bytes().to_vec())
        .unwrap()
}

fn assert_problem(response: &lambdo_testing::TestResponse, status: u16, version: PayloadVersion) -> Value {
    assert_eq!(response.status, status, "{version:?}: {}", response.text());
    assert_eq!(
        response.header("content-type"),
        Some("application/problem+json"),
        "{version:?}"
    );
    let problem: Value = response.json();
    assert_eq!(problem["status"], status, "{version:?}");
    assert!(problem["title"].is_string(), "{version:?}");
    problem
}

#[tokio::test]
async fn every_unchanged_fixture_reaches_its_route() {
    let client = client();
    for (version, fixture) in [
        (PayloadVersion::RestV1, fixtures::APIGW_REST_V1),
        (PayloadVersion::HttpV2, fixtures::APIGW_HTTP_V2),
        (PayloadVersion::Alb, fixtures::ALB),
        (PayloadVersion::AlbMultiValue, fixtures::ALB_MULTI_VALUE),
        (PayloadVersion::FunctionUrl, fixtures::FUNCTION_URL),
        (
            PayloadVersion::FunctionUrl,
            fixtures::CARGO_LAMBDA_WATCH_FUNCTION_URL,
        ),
    ] {
        let response = client
            .send_event(version, serde_json::from_str(fixture).unwrap())
            .await;
        assert_eq!(response.status, 200, "{version:?}: {}", response.text());
        assert_eq!(response.json::<Value>()["id"], 1, "{version:?}");
    }
}

#[tokio::test]
async fn path_and_query_extraction() {
    let client = client();
    for version in PayloadVersion::ALL {
        let response = client
            .send(version, get_request("/todos/42?sort=title&q=a%20b"))
            .await;
        assert_eq!(response.status, 200, "{version:?}: {}", response.text());
        let body: Value = response.json();
        assert_eq!(body["id"], 42, "{version:?}");
        assert_eq!(body["query"]["sort"], "title", "{version:?}");
        assert_eq!(body["query"]["q"], "a b", "{version:?}");
    }
}

#[tokio::test]
async fn named_stages_are_stripped_from_paths() {
    for (version, stage) in [
        (PayloadVersion::RestV1, "prod"),
        (PayloadVersion::RestV1, "v2-beta"),
        (PayloadVersion::HttpV2, "prod"),
        (PayloadVersion::HttpV2, "$default"),
    ] {
        let client = client().stage(stage);
        let response = client.send(version, get_request("/todos/7")).await;
        assert_eq!(
            response.status,
            200,
            "{version:?} on {stage}: {}",
            response.text()
        );
        assert_eq!(response.json::<Value>()["id"], 7);
    }
}

#[tokio::test]
async fn json_bodies_round_trip() {
    let client = client();
    for version in PayloadVersion::ALL {
        let response = client
            .send(
                version,
                json_request("/items", r#"{"name":"tea","quantity":2,"tags":["green"]}"#),
            )
            .await;
        assert_eq!(response.status, 201, "{version:?}: {}", response.text());
        assert_eq!(response.header("content-type"), Some("application/json"));
        assert!(!response.is_base64_encoded);
        assert_eq!(response.json::<Value>()["name"], "tea");
    }
}

#[tokio::test]
async fn every_problem_status() {
    let client = client();
    for version in PayloadVersion::ALL {
        // 400: not JSON at all.
        let response = client
            .send(version, json_request("/items", r#"{"name": "tea","#))
            .await;
        assert_problem(&response, 400, version);

        // 415: JSON without the content type, and with a wrong one.
        let no_type = Request::post("/items")
            .body(br#"{"name":"tea"}"#.to_vec())
            .unwrap();
        assert_problem(&client.send(version, no_type).await, 415, version);
        let text = Request::post("/items")
            .header("content-type", "text/plain")
            .body(br#"{"name":"tea"}"#.to_vec())
            .unwrap();
        assert_problem(&client.send(version, text).await, 415, version);

        // 422: well-formed JSON of the wrong shape names the field.
        let response = client
            .send(
                version,
                json_request("/items", r#"{"name":"tea","quantity":1,"tags":["a",7]}"#),
            )
            .await;
        let problem = assert_problem(&response, 422, version);
        assert_eq!(problem["pointer"], "/tags/1", "{version:?}");
        assert!(
            problem["detail"].as_str().unwrap().contains("tags[1]"),
            "{problem}"
        );

        // 404 and 405.
        assert_problem(&client.send(version, get_request("/nowhere")).await, 404, version);
        let response = client.send(version, json_request("/todos/1", "{}")).await;
        assert_problem(&response, 405, version);
        assert_eq!(response.header("allow"), Some("GET,HEAD"), "{version:?}");

        // 400 from axum's own extractors (a path segment that is not a number).
        assert_problem(
            &client.send(version, get_request("/todos/abc")).await,
            400,
            version,
        );

        // 413: over the configured body limit.
        let big = format!(r#"{{"name":"{}","quantity":1,"tags":[]}}"#, "x".repeat(2048));
        assert_problem(
            &client.send(version, json_request("/items", &big)).await,
            413,
            version,
        );

        // 500 from a handler error: no internal detail reaches the client.
        let response = client.send(version, get_request("/fail")).await;
        let problem = assert_problem(&response, 500, version);
        assert!(problem.get("detail").is_none(), "{problem}");
        assert!(!response.text().contains("hunter2"));

        // 500 from a panic; the function keeps serving.
        let response = client.send(version, get_request("/panic")).await;
        let problem = assert_problem(&response, 500, version);
        assert!(!problem.to_string().contains("index out of bounds"));

        // 500 instead of a response over Lambda's 6 MB limit.
        assert_problem(&client.send(version, get_request("/huge")).await, 500, version);

        assert_eq!(client.send(version, get_request("/todos/1")).await.status, 200);
    }
}

/// What `lambda_http` writes, and `cargo lambda watch`'s Function URL proxy needs (it
/// answers 500 to a response without `cookies`).
#[tokio::test]
async fn http_api_responses_without_cookies_carry_an_empty_list() {
    let client = client();
    for version in [PayloadVersion::HttpV2, PayloadVersion::FunctionUrl] {
        let response = client
            .send(version, Request::get("/nowhere").body(Vec::new()).unwrap())
            .await;
        assert_eq!(response.raw["cookies"], json!([]), "{version:?}");
    }
    let response = client
        .send(
            PayloadVersion::RestV1,
            Request::get("/nowhere").body(Vec::new()).unwrap(),
        )
        .await;
    assert!(
        response.raw.get("cookies").is_none(),
        "REST responses have no cookies field"
    );
}

#[tokio::test]
async fn cookies_both_ways() {
    let client = client();
    for version in PayloadVersion::ALL {
        let request = Request::get("/cookies")
            .header("cookie", "a=1; b=2")
            .body(Vec::new())
            .unwrap();
        let response = client.send(version, request).await;
        assert_eq!(response.status, 200, "{version:?}");
        assert_eq!(response.text(), "a=1; b=2", "{version:?}");
        match version {
            PayloadVersion::HttpV2 | PayloadVersion::FunctionUrl => {
                assert_eq!(
                    response.raw["cookies"],
                    json!(["session=abc; HttpOnly; Secure", "theme=dark; Path=/"])
                );
                assert!(response.raw["headers"].get("set-cookie").is_none());
            }
            PayloadVersion::RestV1 | PayloadVersion::AlbMultiValue => {
                assert_eq!(
                    response.raw["multiValueHeaders"]["set-cookie"],
                    json!(["session=abc; HttpOnly; Secure", "theme=dark; Path=/"]),
                    "{version:?}"
                );
                assert!(response.raw.get("headers").is_none(), "{version:?}");
            }
            _ => {
                assert!(response.raw.get("multiValueHeaders").is_none());
                assert!(response.raw["headers"]["set-cookie"].is_string());
            }
        }
    }
}

#[tokio::test]
async fn binary_bodies_are_base64_both_ways() {
    let client = client();
    let bytes: Vec<u8> = (0..=255u8).rev().collect();
    for version in PayloadVersion::ALL {
        let request = Request::post("/echo")
            .header("content-type", "application/octet-stream")
            .body(bytes.clone())
            .unwrap();
        let response = client.send(version, request).await;
        assert_eq!(response.status, 200, "{version:?}");
        assert!(response.is_base64_encoded, "{version:?}");
        assert_eq!(response.body.as_ref(), bytes.as_slice(), "{version:?}");
    }
}

#[tokio::test]
async fn lambda_and_request_contexts_reach_handlers() {
    let client = client();
    for version in PayloadVersion::ALL {
        let response = client.send(version, get_request("/whoami")).await;
        let body: Value = response.json();
        assert_eq!(body["requestId"], "00000000-0000-4000-8000-000000000001");
        assert_eq!(body["hasRequestContext"], true, "{version:?}");
    }
}

#[tokio::test]
async fn authorizer_claims_are_typed() {
    let client = client();
    for version in [PayloadVersion::RestV1, PayloadVersion::HttpV2] {
        let response = client.send(version, get_request("/me")).await;
        assert_eq!(response.status, 200, "{version:?}: {}", response.text());
        assert_eq!(
            response.text(),
            "7d8e9f10-1a2b-4c3d-8e9f-0a1b2c3d4e5f ada@example.com"
        );
    }
    for version in [PayloadVersion::Alb, PayloadVersion::FunctionUrl] {
        let response = client.send(version, get_request("/me")).await;
        assert_problem(&response, 401, version);
    }
}

#[tokio::test]
async fn lambda_authorizer_context_and_mismatched_claims() {
    let client = client();
    let mut event = lambdo_testing::HttpEvent::new(PayloadVersion::HttpV2).from_request(&get_request("/me"));
    event["requestContext"]["authorizer"] =
        json!({ "lambda": { "sub": "u-1", "email": "grace@example.com" } });
    let response = client.send_event(PayloadVersion::HttpV2, event.clone()).await;
    assert_eq!(response.text(), "u-1 grace@example.com");

    event["requestContext"]["authorizer"] = json!({ "lambda": { "sub": "u-1" } });
    let response = client.send_event(PayloadVersion::HttpV2, event).await;
    let problem = assert_problem(&response, 403, PayloadVersion::HttpV2);
    assert!(problem["detail"].as_str().unwrap().contains("email"), "{problem}");
}
