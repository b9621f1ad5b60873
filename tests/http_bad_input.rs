//! Bad HTTP input through the real `todo-api` bootstrap (release build, under the
//! Lambda emulator, on its in-memory store), for REST v1, HTTP API v2 and ALB: each
//! case gets the right status as an `application/problem+json` answer, no case gets a
//! 5xx or fails the invocation, and no submitted value comes back in the answer or
//! goes to the logs. `scripts/test.sh` builds the release binary first.

use std::time::Duration;

use base64::Engine;
use lambdo_testing::{Emulator, FunctionConfig, HttpEvent, Outcome, PayloadVersion};
use lambdo_tests::release_binary;
use serde_json::Value;

/// Text planted in the bad values: it must never come back.
const SECRET: &str = "SECRETVALUE4111";

const VERSIONS: [PayloadVersion; 3] = [
    PayloadVersion::RestV1,
    PayloadVersion::HttpV2,
    PayloadVersion::Alb,
];

/// The body of a case: text, or bytes sent base64-encoded (`isBase64Encoded`).
enum Body {
    None,
    Text(String),
    Bytes(Vec<u8>),
    /// `isBase64Encoded: true` with a body that is not base64.
    BadBase64(String),
}

struct Case {
    name: &'static str,
    method: &'static str,
    path: String,
    content_type: Option<&'static str>,
    headers: Vec<(&'static str, String)>,
    body: Body,
    status: u16,
}

fn case(name: &'static str, method: &'static str, path: &str, status: u16) -> Case {
    Case {
        name,
        method,
        path: path.to_owned(),
        content_type: None,
        headers: Vec::new(),
        body: Body::None,
        status,
    }
}

impl Case {
    fn json(mut self, body: impl Into<String>) -> Self {
        self.content_type = Some("application/json");
        self.body = Body::Text(body.into());
        self
    }

    fn content_type(mut self, content_type: Option<&'static str>) -> Self {
        self.content_type = content_type;
        self
    }

    fn body(mut self, body: Body) -> Self {
        self.body = body;
        self
    }

    fn header(mut self, name: &'static str, value: String) -> Self {
        self.headers.push((name, value));
        self
    }
}

fn cases() -> Vec<Case> {
    let nested = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    vec![
        case("invalid JSON", "POST", "/todos", 400).json(format!(r#"{{"title": {SECRET}}}"#)),
        case("truncated JSON", "POST", "/todos", 400).json(format!(r#"{{"title":"{SECRET}"#)),
        case("trailing characters", "POST", "/todos", 400).json(format!(r#"{{"title":"a"}} {SECRET}"#)),
        case("invalid UTF-8", "POST", "/todos", 400)
            .content_type(Some("application/json"))
            .body(Body::Bytes(
                [
                    br#"{"title":"#.as_slice(),
                    b"\xff\xfe",
                    SECRET.as_bytes(),
                    br#""}"#,
                ]
                .concat(),
            )),
        case("a lone surrogate", "POST", "/todos", 400).json(format!(r#"{{"title":"\ud800{SECRET}"}}"#)),
        case("isBase64Encoded with bad base64", "POST", "/todos", 400)
            .content_type(Some("application/json"))
            .body(Body::BadBase64(format!("{SECRET}$$$"))),
        case("text/plain", "POST", "/todos", 415)
            .json(r#"{"title":"a"}"#)
            .content_type(Some("text/plain")),
        case("no content type", "POST", "/todos", 415)
            .json(r#"{"title":"a"}"#)
            .content_type(None),
        case("form content type", "POST", "/todos", 415)
            .json("title=a")
            .content_type(Some("application/x-www-form-urlencoded")),
        case("JSON with a charset", "POST", "/todos", 201)
            .json(r#"{"title":"a"}"#)
            .content_type(Some("application/json; charset=utf-8")),
        case("a +json subtype", "POST", "/todos", 201)
            .json(r#"{"title":"a"}"#)
            .content_type(Some("application/vnd.todo+json")),
        case("an empty body", "POST", "/todos", 400).json(""),
        case("a null body", "POST", "/todos", 422).json("null"),
        case("no body at all", "POST", "/todos", 415),
        case("a body over the limit", "POST", "/todos", 413)
            .json(format!(r#"{{"title":"{}"}}"#, "a".repeat(6 * 1024 * 1024 + 1))),
        case("a 64 KiB header", "POST", "/todos", 201)
            .json(r#"{"title":"a"}"#)
            .header("x-padding", "p".repeat(64 * 1024)),
        case(
            "a URL over 64 KiB",
            "GET",
            &format!("/todos/{}", "a".repeat(70_000)),
            414,
        ),
        case(
            "encoded path traversal",
            "GET",
            "/todos/..%2F..%2Fetc%2Fpasswd",
            400,
        ),
        case(
            "bad percent-encoding",
            "GET",
            &format!("/todos/%zz{SECRET}%"),
            400,
        ),
        case("an unknown method", "BREW", "/todos", 405),
        // A todo may be written as an array too: its first field is no string.
        case("deeply nested JSON", "POST", "/todos", 422).json(nested),
        case("an out-of-range number", "POST", "/todos", 400).json(r#"{"title":"a","completed":1e999}"#),
        case("a number for a string", "POST", "/todos", 422).json(r#"{"title":41114111}"#),
        case("duplicate keys", "POST", "/todos", 422).json(format!(r#"{{"title":"a","title":"{SECRET}"}}"#)),
        case("an unknown field", "POST", "/todos", 422).json(r#"{"title":"a","owner":"me"}"#),
        case(
            "an unknown variant of a bool",
            "PATCH",
            "/todos/00000000-0000-4000-8000-000000000000",
            422,
        )
        .json(format!(r#"{{"completed":"{SECRET}"}}"#)),
        case(
            "a query value of the wrong type",
            "GET",
            &format!("/todos?limit={SECRET}"),
            400,
        ),
        case("a query value out of range", "GET", "/todos?limit=0", 400),
        case(
            "a cursor nobody issued",
            "GET",
            &format!("/todos?cursor={SECRET}"),
            400,
        ),
    ]
}

fn event(version: PayloadVersion, case: &Case) -> Value {
    let mut request = http::Request::builder().method("GET").uri("/todos");
    if let Some(content_type) = case.content_type {
        request = request.header("content-type", content_type);
    }
    for (name, value) in &case.headers {
        request = request.header(*name, value.as_str());
    }
    let mut event = HttpEvent::new(version).from_request(&request.body("").unwrap());
    // Method, path and body set on the event itself: some cannot be an `http::Request`.
    match version {
        PayloadVersion::HttpV2 => {
            event["requestContext"]["http"]["method"] = case.method.into();
            let (path, query) = case.path.split_once('?').unwrap_or((&case.path, ""));
            event["rawPath"] = path.into();
            event["requestContext"]["http"]["path"] = path.into();
            event["rawQueryString"] = query.into();
        }
        _ => {
            event["httpMethod"] = case.method.into();
            let (path, query) = case.path.split_once('?').unwrap_or((&case.path, ""));
            event["path"] = path.into();
            let pairs: serde_json::Map<String, Value> = form_urlencoded::parse(query.as_bytes())
                .map(|(name, value)| {
                    // ALB passes the query on encoded, API Gateway decoded.
                    let value = if version == PayloadVersion::Alb {
                        form_urlencoded::byte_serialize(value.as_bytes()).collect::<String>()
                    } else {
                        value.into_owned()
                    };
                    (name.into_owned(), value.into())
                })
                .collect();
            if !pairs.is_empty() {
                event["queryStringParameters"] = pairs.into();
            }
        }
    }
    let engine = base64::engine::general_purpose::STANDARD;
    let (body, base64) = match &case.body {
        Body::None => (Value::Null, false),
        Body::Text(text) => (text.as_str().into(), false),
        Body::Bytes(bytes) => (engine.encode(bytes).into(), true),
        Body::BadBase64(text) => (text.as_str().into(), true),
    };
    event["body"] = body;
    event["isBase64Encoded"] = base64.into();
    event
}

#[tokio::test]
async fn bad_input_gets_the_right_problem_and_echoes_nothing() {
    let config = FunctionConfig::new(release_binary("todo-api"))
        .name("todo-api")
        .env("TODO_STORE", "memory")
        .timeout(Duration::from_secs(10));
    let emulator = Emulator::start(config).await.unwrap();
    let mut checked = 0;
    let mut wrong = Vec::new();
    for version in VERSIONS {
        for case in cases() {
            let invocation = emulator.invoke(&event(version, &case)).await;
            let answer = match invocation.outcome {
                Outcome::Response(answer) => answer,
                other => {
                    wrong.push(format!(
                        "{version:?} {}: the invocation ended {other:?}",
                        case.name
                    ));
                    continue;
                }
            };
            checked += 1;
            let status = answer["statusCode"].as_u64().unwrap_or_default() as u16;
            let text = answer.to_string();
            if status != case.status {
                wrong.push(format!(
                    "{version:?} {}: {status}, not {}: {text:.300}",
                    case.name, case.status
                ));
            }
            if status >= 400 {
                let headers = answer["headers"].to_string() + &answer["multiValueHeaders"].to_string();
                if !headers.contains("application/problem+json") {
                    wrong.push(format!("{version:?} {}: not a problem: {text:.300}", case.name));
                }
            }
            if text.contains(SECRET) || text.contains("41114111") || text.contains("passwd") {
                wrong.push(format!(
                    "{version:?} {}: a value came back: {text:.300}",
                    case.name
                ));
            }
        }
    }
    let logs: String = emulator
        .logs()
        .iter()
        .map(|line| line.text.clone() + "\n")
        .collect();
    if logs.contains(SECRET) {
        wrong.push("a value went to the logs".to_owned());
    }
    emulator.stop().await;
    assert!(
        wrong.is_empty(),
        "{} of {checked} cases wrong:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
    assert!(checked >= 40, "{checked} cases");
}
