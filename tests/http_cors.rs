//! CORS through `App::cors`: preflights answered before any handler and the headers on
//! every response, for each payload version; an unusable setting refused at start-up.

use std::sync::{
    atomic::{AtomicUsize, Ordering},
    Arc,
};

use axum::{extract::State, routing::get};
use lambdo::{http::Cors, App};
use lambdo_testing::{PayloadVersion, TestClient, TestResponse};

const VERSIONS: [PayloadVersion; 3] = [
    PayloadVersion::RestV1,
    PayloadVersion::HttpV2,
    PayloadVersion::Alb,
];
const APP_ORIGIN: &str = "https://app.example.com";

#[derive(Clone, Default)]
struct Calls(Arc<AtomicUsize>);

async fn list(State(calls): State<Calls>) -> &'static str {
    calls.0.fetch_add(1, Ordering::SeqCst);
    "[]"
}

fn client(calls: &Calls) -> TestClient {
    let router = axum::Router::new().route("/todos", get(list).post(list));
    let app = App::new(calls.clone())
        .http(router)
        .cors(Cors::origins([APP_ORIGIN]).allow_credentials());
    TestClient::new(app.into_function())
}

fn preflight(path: &str, origin: &str) -> http::Request<&'static str> {
    http::Request::options(path)
        .header("origin", origin)
        .header("access-control-request-method", "POST")
        .header("access-control-request-headers", "content-type")
        .body("")
        .unwrap()
}

fn allowed_origin(response: &TestResponse) -> Option<&str> {
    response.header("access-control-allow-origin")
}

#[tokio::test]
async fn preflights_are_answered_before_any_handler() {
    let calls = Calls::default();
    let client = client(&calls);
    for version in VERSIONS {
        let response = client.send(version, preflight("/todos", APP_ORIGIN)).await;
        assert_eq!(response.status, 200, "{version:?}");
        assert_eq!(allowed_origin(&response), Some(APP_ORIGIN), "{version:?}");
        assert_eq!(response.header("access-control-allow-credentials"), Some("true"));
        let methods = response
            .header("access-control-allow-methods")
            .unwrap_or_default();
        assert!(methods.contains("POST"), "{methods}");
        let headers = response
            .header("access-control-allow-headers")
            .unwrap_or_default();
        assert!(headers.contains("content-type"), "{headers}");

        // Another site's page gets no permission.
        let refused = client
            .send(version, preflight("/todos", "https://evil.example"))
            .await;
        assert_eq!(allowed_origin(&refused), None, "{version:?}");
    }
    assert_eq!(
        calls.0.load(Ordering::SeqCst),
        0,
        "no handler ran for a preflight"
    );
}

#[tokio::test]
async fn responses_carry_the_headers_for_allowed_origins_only() {
    let calls = Calls::default();
    let client = client(&calls);
    for version in VERSIONS {
        let request = http::Request::get("/todos")
            .header("origin", APP_ORIGIN)
            .body("")
            .unwrap();
        let response = client.send(version, request).await;
        assert_eq!(response.status, 200);
        assert_eq!(response.text(), "[]");
        assert_eq!(allowed_origin(&response), Some(APP_ORIGIN), "{version:?}");
        assert!(
            response.header("vary").unwrap_or_default().contains("origin"),
            "{version:?}"
        );

        // A problem response too: the page can read why it failed.
        let missing = http::Request::get("/nowhere")
            .header("origin", APP_ORIGIN)
            .body("")
            .unwrap();
        let response = client.send(version, missing).await;
        assert_eq!(response.status, 404);
        assert_eq!(response.header("content-type"), Some("application/problem+json"));
        assert_eq!(allowed_origin(&response), Some(APP_ORIGIN), "{version:?}");

        let foreign = http::Request::get("/todos")
            .header("origin", "https://evil.example")
            .body("")
            .unwrap();
        assert_eq!(allowed_origin(&client.send(version, foreign).await), None);
    }
    assert_eq!(calls.0.load(Ordering::SeqCst), 6);
}

#[tokio::test]
async fn without_cors_no_page_of_another_origin_is_allowed() {
    let router = axum::Router::new().route("/todos", get(|| async { "[]" }));
    let client = TestClient::new(App::new(()).http(router).into_function());
    for version in VERSIONS {
        let response = client.send(version, preflight("/todos", APP_ORIGIN)).await;
        assert_eq!(allowed_origin(&response), None);
        assert_eq!(response.status, 405, "{version:?}: OPTIONS is no route's method");
    }
}

#[tokio::test]
async fn any_origin_with_credentials_is_refused_at_start_up() {
    let router = axum::Router::new().route("/todos", get(|| async { "[]" }));
    let app = App::new(())
        .http(router)
        .cors(Cors::any_origin().allow_credentials());
    let error = app.run().await.unwrap_err();
    assert!(
        error.to_string().contains("any origin (`*`) with credentials"),
        "{error}"
    );

    let panic = std::panic::catch_unwind(|| {
        App::new(())
            .http(axum::Router::new())
            .cors(Cors::origins(["https://app.example.com/login"]))
            .into_function()
    })
    .unwrap_err();
    let message = panic.downcast_ref::<String>().unwrap();
    assert!(message.contains("is not an origin"), "{message}");
}
