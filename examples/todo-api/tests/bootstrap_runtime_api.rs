//! The built `todo-api` binary as a real process, polling a local Lambda Runtime API
//! exactly as it would in Lambda.

use std::{
    process::{Child, Command, Stdio},
    time::Duration,
};

use lambdo_testing::{HttpEvent, Outcome, PayloadVersion, RuntimeApi};
use serde_json::{json, Value};

const ANSWER_WITHIN: Duration = Duration::from_secs(20);

/// Kills the process when the test ends, pass or fail.
struct Bootstrap(Child);

impl Drop for Bootstrap {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn spawn(api: &RuntimeApi) -> Bootstrap {
    let child = Command::new(env!("CARGO_BIN_EXE_todo-api"))
        .envs(api.lambda_env("todo-api"))
        // Under a Runtime API, todo-api keeps todos in memory only when told to.
        .env("TODO_STORE", "memory")
        .env_remove("LAMBDO_LOCAL_ADDR")
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("the todo-api binary starts");
    Bootstrap(child)
}

fn http_event(request: http::Request<&'static str>) -> Value {
    HttpEvent::new(PayloadVersion::HttpV2).from_request(&request)
}

async fn http_response(api: &RuntimeApi, request: http::Request<&'static str>) -> (u16, Value, Value) {
    match api
        .invoke(&http_event(request), ANSWER_WITHIN)
        .await
        .expect("an answer")
    {
        Outcome::Response(response) => {
            let body =
                serde_json::from_str(response["body"].as_str().unwrap_or("null")).unwrap_or(Value::Null);
            (response["statusCode"].as_u64().unwrap() as u16, response, body)
        }
        other => panic!("an HTTP event must get a response, got {other:?}"),
    }
}

#[tokio::test]
async fn good_bad_and_failing_invocations_through_the_runtime_api() {
    let api = RuntimeApi::start().await.unwrap();
    let mut bootstrap = spawn(&api);

    // A good request.
    let create = http::Request::post("/todos")
        .header("content-type", "application/json")
        .body(r#"{"title":"water the plants"}"#)
        .unwrap();
    let (status, response, todo) = http_response(&api, create).await;
    assert_eq!(status, 201, "{response}");
    assert_eq!(todo["title"], "water the plants");
    let location = response["headers"]["location"].as_str().unwrap().to_owned();
    assert_eq!(location, format!("/todos/{}", todo["id"].as_str().unwrap()));

    // A bad request: a problem response, not a failed invocation.
    let bad = http::Request::post("/todos")
        .header("content-type", "application/json")
        .body(r#"{"title":"   "}"#)
        .unwrap();
    let (status, response, problem) = http_response(&api, bad).await;
    assert_eq!(status, 422);
    assert_eq!(response["headers"]["content-type"], "application/problem+json");
    assert_eq!(problem["pointer"], "/title");

    // A handler error: the invocation fails with the handler's stable errorType.
    let outcome = api
        .invoke(&json!({"todos": [{"title": "ok"}, {"title": ""}]}), ANSWER_WITHIN)
        .await
        .unwrap();
    match outcome {
        Outcome::Error(diagnostic) => {
            assert_eq!(diagnostic.error_type, "TodoImport.InvalidTodo");
            assert_eq!(diagnostic.error_message, "todos[1]: the title must not be empty");
        }
        other => panic!("expected a Diagnostic, got {other:?}"),
    }

    // An event no source accepts.
    let outcome = api.invoke(&json!([1, 2, 3]), ANSWER_WITHIN).await.unwrap();
    match outcome {
        Outcome::Error(diagnostic) => assert_eq!(diagnostic.error_type, "Lambdo.EventDecode"),
        other => panic!("expected a Diagnostic, got {other:?}"),
    }

    // The same process still serves, and kept its state: the todo created above is listed.
    let (status, _, todos) = http_response(&api, http::Request::get("/todos").body("").unwrap()).await;
    assert_eq!(status, 200);
    assert_eq!(todos.as_array().unwrap().len(), 1);

    assert!(
        bootstrap.0.try_wait().unwrap().is_none(),
        "the process is still running"
    );
    assert!(api.init_error().is_none());
}

/// The Function URL streams (`stream_function_urls`): `GET /todos/export` goes out as
/// NDJSON, its head first; the HTTP API's answer to the same route is buffered.
#[tokio::test]
async fn the_export_streams_through_the_function_url() {
    let api = RuntimeApi::start().await.unwrap();
    let _bootstrap = spawn(&api);
    for title in ["one", "two", "three"] {
        let body: &'static str = Box::leak(format!(r#"{{"title":"{title}"}}"#).into_boxed_str());
        let create = http::Request::post("/todos")
            .header("content-type", "application/json")
            .body(body)
            .unwrap();
        assert_eq!(http_response(&api, create).await.0, 201);
    }
    let export = http::Request::get("/todos/export").body("").unwrap();
    let event = HttpEvent::new(PayloadVersion::FunctionUrl).from_request(&export);
    let stream = api
        .invoke_streaming(&event, ANSWER_WITHIN)
        .await
        .expect("a stream");
    let streamed = stream.collect().await;
    assert!(streamed.error.is_none(), "{:?}", streamed.error);
    let (head, body) = streamed.http_parts().expect("an HTTP response stream");
    assert_eq!(head["statusCode"], 200);
    assert_eq!(head["headers"]["content-type"], "application/x-ndjson");
    let titles: Vec<String> = String::from_utf8(body)
        .unwrap()
        .lines()
        .map(|line| {
            serde_json::from_str::<Value>(line).unwrap()["title"]
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect();
    assert_eq!(titles, ["one", "two", "three"]);

    let (status, response, _) =
        http_response(&api, http::Request::get("/todos/export").body("").unwrap()).await;
    assert_eq!(status, 200);
    assert_eq!(response["body"].as_str().unwrap().lines().count(), 3);
}
