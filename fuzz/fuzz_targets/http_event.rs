//! HTTP events of every payload version with arbitrary methods, paths, queries,
//! headers, cookies and bodies: each is answered with an HTTP response (a problem for
//! what cannot be a request), never a failed invocation, which API Gateway would turn
//! into a 502.
#![no_main]

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use serde_json::{json, Map, Value};

#[derive(Arbitrary, Debug)]
struct Request {
    version: u8,
    method: String,
    path: String,
    query: Vec<(String, String)>,
    headers: Vec<(String, String)>,
    cookies: Vec<String>,
    body: Option<String>,
    base64: bool,
    multi_value: bool,
}

fn event(request: &Request) -> Value {
    let headers: Map<String, Value> = request
        .headers
        .iter()
        .map(|(name, value)| (name.clone(), value.clone().into()))
        .collect();
    let query: Map<String, Value> = request
        .query
        .iter()
        .map(|(name, value)| (name.clone(), value.clone().into()))
        .collect();
    let raw_query: Vec<String> = request
        .query
        .iter()
        .map(|(name, value)| format!("{name}={value}"))
        .collect();
    match request.version % 3 {
        0 => json!({
            "resource": "/{proxy+}",
            "path": request.path,
            "httpMethod": request.method,
            "headers": headers,
            "multiValueHeaders": if request.multi_value { json!({"x-many": ["a", "b"]}) } else { Value::Null },
            "queryStringParameters": query,
            "requestContext": {"requestId": "r-1", "stage": "prod", "httpMethod": request.method},
            "body": request.body,
            "isBase64Encoded": request.base64,
        }),
        1 => json!({
            "version": "2.0",
            "routeKey": "$default",
            "rawPath": request.path,
            "rawQueryString": raw_query.join("&"),
            "cookies": request.cookies,
            "headers": headers,
            "requestContext": {"requestId": "r-1", "stage": "$default", "http": {"method": request.method, "path": request.path}},
            "body": request.body,
            "isBase64Encoded": request.base64,
        }),
        _ => json!({
            "requestContext": {"elb": {"targetGroupArn": "arn:aws:elasticloadbalancing:eu-central-1:1:targetgroup/t/1"}},
            "httpMethod": request.method,
            "path": request.path,
            "queryStringParameters": query,
            (if request.multi_value { "multiValueHeaders" } else { "headers" }): if request.multi_value {
                Value::Object(headers.into_iter().map(|(name, value)| (name, json!([value]))).collect())
            } else {
                Value::Object(headers)
            },
            "body": request.body,
            "isBase64Encoded": request.base64,
        }),
    }
}

fuzz_target!(|request: Request| {
    let bytes = serde_json::to_vec(&event(&request)).expect("JSON");
    match lambdo_fuzz::call(lambdo_fuzz::every_source(), bytes) {
        Ok(response) => {
            let response: Value = serde_json::from_str(&response).expect("a JSON response");
            let status = response["statusCode"].as_u64().expect("an HTTP response");
            assert!((200..500).contains(&status), "answered {status}: {response}");
        }
        // An event shaped unlike any source's (no method, say) is not an HTTP request.
        Err(error_type) => assert_eq!(error_type, "Lambdo.UnsupportedEvent", "{request:?}"),
    }
});
