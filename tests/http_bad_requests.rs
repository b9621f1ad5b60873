//! Requests that cannot become an `http::Request` are the client's error: each payload
//! version answers them with a 4xx problem in its own response format, never a failed
//! invocation (which API Gateway and ALB answer with a 502).

use axum::routing::{get, post};
use lambdo::App;
use lambdo_testing::{HttpEvent, PayloadVersion, TestClient};
use serde_json::Value;

const VERSIONS: [PayloadVersion; 3] = [
    PayloadVersion::RestV1,
    PayloadVersion::HttpV2,
    PayloadVersion::Alb,
];

fn client() -> TestClient {
    let router = axum::Router::new()
        .route("/search", get(|| async { "results" }))
        .route(
            "/upload",
            post(|body: String| async move { format!("{} bytes", body.len()) }),
        );
    TestClient::new(App::new(()).http(router).into_function())
}

fn event(version: PayloadVersion, request: http::Request<&str>) -> Value {
    HttpEvent::new(version).from_request(&request)
}

fn assert_problem(response: &lambdo_testing::TestResponse, status: u16) -> String {
    assert_eq!(response.status, status, "{}", response.text());
    assert_eq!(response.header("content-type"), Some("application/problem+json"));
    let problem: Value = response.json();
    assert_eq!(problem["status"], status);
    problem["detail"].as_str().unwrap_or_default().to_owned()
}

/// A GET of `/search` with `count` query parameters, as `version` carries them.
fn search_with(version: PayloadVersion, count: usize) -> Value {
    let mut event = event(version, http::Request::get("/search").body("").unwrap());
    let pairs: serde_json::Map<String, Value> = (0..count)
        .map(|n| (format!("p{n}"), format!("value-{n}").into()))
        .collect();
    let lists: serde_json::Map<String, Value> = pairs
        .iter()
        .map(|(name, value)| (name.clone(), Value::Array(vec![value.clone()])))
        .collect();
    match version {
        PayloadVersion::HttpV2 => {
            let raw: Vec<String> = pairs
                .iter()
                .map(|(name, value)| format!("{name}={}", value.as_str().unwrap()))
                .collect();
            event["rawQueryString"] = raw.join("&").into();
            event["queryStringParameters"] = pairs.into();
        }
        PayloadVersion::RestV1 => {
            event["queryStringParameters"] = pairs.into();
            event["multiValueQueryStringParameters"] = lists.into();
        }
        _ => event["queryStringParameters"] = pairs.into(),
    }
    event
}

#[tokio::test]
async fn a_query_of_ten_thousand_parameters_is_a_414() {
    let client = client();
    for version in VERSIONS {
        let event = search_with(version, 10_000);
        assert!(event.to_string().len() > 110_000);
        let response = client.send_event(version, event).await;
        let detail = assert_problem(&response, 414);
        assert!(detail.contains("over the 65534"), "{version:?}: {detail}");
    }
    // Under the limit, the request reaches its route.
    for version in VERSIONS {
        let response = client.send_event(version, search_with(version, 3_000)).await;
        assert_eq!(response.status, 200, "{version:?}");
        assert_eq!(response.text(), "results");
    }
}

#[tokio::test]
async fn a_body_that_is_not_the_base64_it_claims_is_a_400() {
    let client = client();
    for version in VERSIONS {
        let mut event = event(version, http::Request::post("/upload").body("x").unwrap());
        event["body"] = "SECRET$$$not-base64".into();
        event["isBase64Encoded"] = true.into();
        let response = client.send_event(version, event).await;
        let detail = assert_problem(&response, 400);
        assert!(detail.contains("base64"), "{detail}");
        assert!(!detail.contains("SECRET") && !detail.contains('$'), "{detail}");
    }
}

#[tokio::test]
async fn a_method_that_is_no_token_is_a_400() {
    let client = client();
    for version in VERSIONS {
        let mut event = event(version, http::Request::get("/search").body("").unwrap());
        match version {
            PayloadVersion::HttpV2 => event["requestContext"]["http"]["method"] = "GE T".into(),
            _ => event["httpMethod"] = "GE T".into(),
        }
        let response = client.send_event(version, event).await;
        assert_problem(&response, 400);
    }
}

#[tokio::test]
async fn a_query_that_is_no_uri_is_a_400() {
    // ALB passes the query on as the client sent it.
    let client = client();
    let mut event = event(
        PayloadVersion::Alb,
        http::Request::get("/search").body("").unwrap(),
    );
    event["queryStringParameters"] = serde_json::json!({"q": "a b\u{7f}"});
    let response = client.send_event(PayloadVersion::Alb, event).await;
    let detail = assert_problem(&response, 400);
    assert!(detail.contains("not a valid URI"), "{detail}");
}
