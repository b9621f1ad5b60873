//! `todo-api` in local mode (no `AWS_LAMBDA_RUNTIME_API`), exercised over real TCP.

use std::{
    io::{BufRead, BufReader},
    process::{Child, Command, Stdio},
    time::Duration,
};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper_util::{client::legacy::Client, rt::TokioExecutor};
use serde_json::{json, Value};

struct LocalServer {
    child: Child,
    base: String,
}

impl Drop for LocalServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts the binary on a free port and reads the address from its startup line.
fn start() -> LocalServer {
    let mut child = Command::new(env!("CARGO_BIN_EXE_todo-api"))
        .env_remove("AWS_LAMBDA_RUNTIME_API")
        .env("LAMBDO_LOCAL_ADDR", "127.0.0.1:0")
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the todo-api binary starts");
    let stderr = child.stderr.take().unwrap();
    let mut lines = BufReader::new(stderr).lines();
    let startup = lines
        .by_ref()
        .take(20)
        .map_while(Result::ok)
        .find(|line| line.starts_with("lambdo: serving"))
        .expect("a startup line");
    // Keep draining stderr so the server never blocks on a full pipe.
    std::thread::spawn(move || for _ in lines {});
    let base = startup
        .split_whitespace()
        .find(|word| word.starts_with("http://"))
        .expect("the startup line names the address")
        .to_owned();
    LocalServer { child, base }
}

async fn request(method: &str, url: &str, body: Option<Value>) -> (u16, http::HeaderMap, Value) {
    match body {
        Some(json) => {
            send(
                method,
                url,
                &[("content-type", "application/json")],
                json.to_string(),
            )
            .await
        }
        None => send(method, url, &[], String::new()).await,
    }
}

/// One request with these headers (hyper adds `Host` from the URL unless given).
async fn send(
    method: &str,
    url: &str,
    headers: &[(&str, &str)],
    body: String,
) -> (u16, http::HeaderMap, Value) {
    let client = Client::builder(TokioExecutor::new()).build_http::<Full<Bytes>>();
    let mut builder = http::Request::builder().method(method).uri(url);
    for (name, value) in headers {
        builder = builder.header(*name, *value);
    }
    let response = tokio::time::timeout(
        Duration::from_secs(10),
        client.request(builder.body(Full::new(Bytes::from(body))).unwrap()),
    )
    .await
    .expect("the server answers in time")
    .expect("the request goes through");
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    let value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
    (status, headers, value)
}

/// What a page on another site can make the developer's browser send, without a CORS
/// preflight: a `text/plain` POST to the invoke endpoint, and requests under its own
/// host name once it points that name at 127.0.0.1 (DNS rebinding).
#[tokio::test]
async fn pages_of_other_sites_cannot_reach_it() {
    let server = start();
    let invoke = format!("{}/2015-03-31/functions/function/invocations", server.base);
    let todos = format!("{}/todos", server.base);
    let import = json!({"todos": [{"title": "planted by evil.example"}]}).to_string();

    let (status, headers, problem) = send(
        "POST",
        &invoke,
        &[("content-type", "text/plain"), ("origin", "https://evil.example")],
        import.clone(),
    )
    .await;
    assert_eq!(status, 403);
    assert_eq!(headers["content-type"], "application/problem+json");
    assert!(problem["detail"]
        .as_str()
        .unwrap()
        .contains("LAMBDO_LOCAL_ALLOWED_ORIGINS"));
    let (status, _, _) = send("POST", &invoke, &[("content-type", "text/plain")], import.clone()).await;
    assert_eq!(status, 415);
    let port = server.base.rsplit(':').next().unwrap().to_owned();
    let rebound = format!("evil.example:{port}");
    let (status, _, problem) = send("GET", &todos, &[("host", &rebound)], String::new()).await;
    assert_eq!(status, 403);
    assert!(problem["detail"]
        .as_str()
        .unwrap()
        .contains("LAMBDO_LOCAL_ALLOWED_HOSTS"));
    let (status, _, _) = send(
        "POST",
        &invoke,
        &[("host", &rebound), ("content-type", "application/json")],
        import,
    )
    .await;
    assert_eq!(status, 403);

    // Nothing was imported.
    let (status, _, list) = request("GET", &todos, None).await;
    assert_eq!(status, 200);
    assert_eq!(list, json!([]));
}

#[tokio::test]
async fn the_api_over_real_tcp() {
    let server = start();
    let todos = format!("{}/todos", server.base);

    let (status, headers, todo) = request("POST", &todos, Some(json!({"title": "call mum"}))).await;
    assert_eq!(status, 201);
    assert_eq!(headers["content-type"], "application/json");
    let id = todo["id"].as_str().unwrap().to_owned();

    let (status, _, list) = request("GET", &todos, None).await;
    assert_eq!(status, 200);
    assert_eq!(list[0]["title"], "call mum");

    let one = format!("{todos}/{id}");
    let (status, _, updated) = request("PATCH", &one, Some(json!({"completed": true}))).await;
    assert_eq!(status, 200);
    assert_eq!(updated["completed"], true);

    let (status, headers, problem) = request("PATCH", &one, Some(json!({"title": 3}))).await;
    assert_eq!(status, 422);
    assert_eq!(headers["content-type"], "application/problem+json");
    assert_eq!(problem["pointer"], "/title");

    let (status, _, problem) = request("GET", &format!("{todos}/not-a-uuid"), None).await;
    assert_eq!(status, 400);
    assert_eq!(problem["status"], 400);

    let (status, _, _) = request("DELETE", &one, None).await;
    assert_eq!(status, 204);
    let (status, _, problem) = request("GET", &one, None).await;
    assert_eq!(status, 404);
    assert_eq!(problem["detail"], format!("todo {id} does not exist"));

    // Raw events for any source at the Runtime Interface Emulator's invoke path.
    let invoke = format!("{}/2015-03-31/functions/function/invocations", server.base);
    let (status, _, imported) = request("POST", &invoke, Some(json!({"todos": [{"title": "a"}]}))).await;
    assert_eq!(status, 200);
    assert_eq!(imported["created"][0]["title"], "a");
    let (status, headers, diagnostic) =
        request("POST", &invoke, Some(json!({"todos": [{"title": ""}]}))).await;
    assert_eq!(status, 200);
    assert_eq!(headers["x-amz-function-error"], "Unhandled");
    assert_eq!(diagnostic["errorType"], "TodoImport.InvalidTodo");
}

#[cfg(unix)]
#[test]
fn ctrl_c_stops_the_server_cleanly() {
    let mut server = start();
    let status = Command::new("kill")
        .args(["-INT", &server.child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    for _ in 0..100 {
        if let Some(exit) = server.child.try_wait().unwrap() {
            assert!(exit.success(), "exited with {exit}");
            return;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!("the server did not stop within 5 s of SIGINT");
}
