//! The todo API's HTTP flow on both stores: in memory, and DynamoDB (moto's server, as
//! `scripts/test.sh` starts it): paginated listing, optimistic updates, problems, and
//! creation by `Idempotency-Key`.

use std::time::Duration;

use aws_sdk_dynamodb::Client;
use lambdo_dynamodb::Idempotency;
use lambdo_testing::{create_table, PayloadVersion, TestClient, TestResponse};
use serde_json::{json, Value};
use todo_api::{app, DynamoDbTodoStore, InMemoryTodoStore, TodoStore, Todos};

async fn send(client: &TestClient, method: &str, uri: &str, body: Option<Value>) -> TestResponse {
    let mut request = http::Request::builder().method(method).uri(uri);
    if body.is_some() {
        request = request.header("content-type", "application/json");
    }
    let body = body.map(|body| body.to_string()).unwrap_or_default();
    client
        .send(PayloadVersion::HttpV2, request.body(body).unwrap())
        .await
}

/// The same flow whatever the store.
async fn flow<S: TodoStore>(store: S) {
    let client = TestClient::new(app(Todos::new(store)).into_function());
    let mut ids = Vec::new();
    for title in ["one", "two", "three"] {
        let created = send(&client, "POST", "/todos", Some(json!({ "title": title }))).await;
        assert_eq!(created.status, 201, "{}", created.text());
        ids.push(created.json::<Value>()["id"].as_str().unwrap().to_owned());
    }

    // Pages of two, oldest first, linked by cursor.
    let first = send(&client, "GET", "/todos?limit=2", None).await;
    assert_eq!(first.status, 200);
    let titles: Vec<String> = first
        .json::<Vec<Value>>()
        .iter()
        .map(|t| t["title"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(titles, ["one", "two"]);
    let link = first.header("link").expect("a next link").to_owned();
    let next = link.trim_start_matches('<').split('>').next().unwrap().to_owned();
    assert!(link.ends_with("rel=\"next\""), "{link}");
    let second = send(&client, "GET", &next, None).await;
    assert_eq!(second.json::<Vec<Value>>()[0]["title"], "three");
    assert_eq!(second.header("link"), None, "the last page links nowhere");

    // Cursors and limits the API did not issue are the client's problem.
    let bad = send(&client, "GET", "/todos?cursor=forged", None).await;
    assert_eq!(bad.status, 400);
    assert_eq!(bad.json::<Value>()["parameter"], "cursor");
    assert_eq!(send(&client, "GET", "/todos?limit=0", None).await.status, 400);

    // Updates: concurrent patches of one todo each land on the latest state, or are
    // refused with 409 when the todo kept changing under them; none is lost silently.
    let one = format!("/todos/{}", ids[0]);
    let patches = (0..10).map(|n| {
        let (client, one) = (&client, one.as_str());
        async move {
            let patch = if n % 2 == 0 {
                json!({"completed": true})
            } else {
                json!({"title": format!("one-{n}")})
            };
            send(client, "PATCH", one, Some(patch)).await.status.as_u16()
        }
    });
    let statuses = futures_util::future::join_all(patches).await;
    assert!(
        statuses.iter().all(|status| [200, 409].contains(status)),
        "{statuses:?}"
    );
    assert!(statuses.contains(&200), "{statuses:?}");
    let done = send(
        &client,
        "PATCH",
        &one,
        Some(json!({"completed": true, "title": "one, done"})),
    )
    .await;
    assert_eq!(done.status, 200);
    let updated = send(&client, "GET", &one, None).await.json::<Value>();
    assert_eq!(
        (updated["completed"].clone(), updated["title"].clone()),
        (json!(true), json!("one, done"))
    );

    assert_eq!(send(&client, "DELETE", &one, None).await.status, 204);
    assert_eq!(send(&client, "GET", &one, None).await.status, 404);
    assert_eq!(send(&client, "DELETE", &one, None).await.status, 404);
    let rest = send(&client, "GET", "/todos", None).await.json::<Vec<Value>>();
    assert_eq!(rest.len(), 2);
}

#[tokio::test]
async fn in_memory() {
    flow(InMemoryTodoStore::new()).await;
}

/// A client of the DynamoDB API under test.
fn dynamodb() -> Client {
    Client::new(&lambdo_testing::moto_config(&lambdo_testing::moto_endpoint()))
}

#[tokio::test]
async fn on_dynamodb() {
    let client = dynamodb();
    let table = create_table(&client, "todos", &["pk", "id"]).await;
    flow(DynamoDbTodoStore::new(&client, &table)).await;
}

fn post(key: Option<&str>, body: &Value) -> http::Request<String> {
    let mut request = http::Request::builder()
        .method("POST")
        .uri("/todos")
        .header("content-type", "application/json");
    if let Some(key) = key {
        request = request.header("idempotency-key", key);
    }
    request.body(body.to_string()).unwrap()
}

#[tokio::test]
async fn creation_by_idempotency_key_on_dynamodb() {
    let client = dynamodb();
    let store = DynamoDbTodoStore::new(&client, &create_table(&client, "todos", &["pk", "id"]).await);
    let idempotency = Idempotency::new(&client, create_table(&client, "idempotency", &["id"]).await);
    let api = TestClient::new(app(Todos::new(store).idempotent(idempotency)).into_function());
    let milk = json!({"title": "buy milk"});

    // Ten clients retrying one request at once: one todo, and every answer is either
    // that todo or "in progress".
    let attempts = (0..10).map(|_| api.send(PayloadVersion::HttpV2, post(Some("k-1"), &milk)));
    let answers = futures_util::future::join_all(attempts).await;
    let mut created = Vec::new();
    for answer in &answers {
        match answer.status.as_u16() {
            201 => created.push(answer.json::<Value>()),
            409 => assert_eq!(answer.header("content-type"), Some("application/problem+json")),
            other => panic!("unexpected {other}: {}", answer.text()),
        }
    }
    assert!(!created.is_empty(), "at least the first attempt answers 201");
    assert!(created.windows(2).all(|pair| pair[0] == pair[1]), "{created:?}");

    // A later retry gets the same todo back, with its location.
    let again = api.send(PayloadVersion::HttpV2, post(Some("k-1"), &milk)).await;
    assert_eq!(again.status, 201);
    assert_eq!(again.json::<Value>(), created[0]);
    let id = created[0]["id"].as_str().unwrap();
    assert_eq!(again.header("location"), Some(format!("/todos/{id}").as_str()));
    let listed = send(&api, "GET", "/todos", None).await.json::<Vec<Value>>();
    assert_eq!(listed, [created[0].clone()], "one todo, however many retries");

    // The key with another body is refused; a malformed key is the client's error; an
    // invalid body claims nothing, so the key stays usable.
    let other = api
        .send(
            PayloadVersion::HttpV2,
            post(Some("k-1"), &json!({"title": "buy eggs"})),
        )
        .await;
    assert_eq!(other.status, 422, "{}", other.text());
    let malformed = api
        .send(PayloadVersion::HttpV2, post(Some("two words"), &milk))
        .await;
    assert_eq!(malformed.status, 400);
    assert_eq!(malformed.json::<Value>()["header"], "Idempotency-Key");
    let invalid = api
        .send(PayloadVersion::HttpV2, post(Some("k-2"), &json!({"title": " "})))
        .await;
    assert_eq!(invalid.status, 422);
    let valid = api
        .send(
            PayloadVersion::HttpV2,
            post(Some("k-2"), &json!({"title": "buy eggs"})),
        )
        .await;
    assert_eq!(valid.status, 201, "{}", valid.text());

    // Without a key, every POST creates.
    for _ in 0..2 {
        assert_eq!(
            api.send(PayloadVersion::HttpV2, post(None, &milk)).await.status,
            201
        );
    }
    let listed = send(&api, "GET", "/todos", None).await.json::<Vec<Value>>();
    assert_eq!(listed.len(), 4, "{listed:?}");
}

/// The bootstrap reads `CURSOR_SECRET_NAME` from Secrets Manager at cold start and signs
/// its page cursors with it: a store with that secret opens them, one without refuses.
#[tokio::test]
async fn the_bootstrap_signs_cursors_with_the_secret_it_reads_at_cold_start() {
    use lambdo_testing::{HttpEvent, Outcome, RuntimeApi};
    let endpoint = lambdo_testing::moto_endpoint();
    let client = dynamodb();
    let table = create_table(&client, "todos", &["pk", "id"]).await;
    let secret_name = format!("todo-api/cursor-{}", uuid::Uuid::new_v4().simple());
    aws_sdk_secretsmanager::Client::new(&lambdo_testing::moto_config(&endpoint))
        .create_secret()
        .name(&secret_name)
        .secret_string("a key only the function knows")
        .send()
        .await
        .unwrap();

    let api = RuntimeApi::start().await.unwrap();
    let mut bootstrap = tokio::process::Command::new(env!("CARGO_BIN_EXE_todo-api"))
        .envs(api.lambda_env("todo-api"))
        .env("TABLE_NAME", &table)
        .env("CURSOR_SECRET_NAME", &secret_name)
        .env("AWS_ENDPOINT_URL", &endpoint)
        .env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .stdout(std::process::Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let invoke = |request: http::Request<String>| {
        let event = HttpEvent::new(PayloadVersion::HttpV2).from_request(&request);
        let api = &api;
        async move {
            match api.invoke(&event, Duration::from_secs(20)).await.unwrap() {
                Outcome::Response(response) => response,
                other => panic!("expected a response, got {other:?}"),
            }
        }
    };
    for title in ["one", "two"] {
        let created = invoke(post(None, &json!({ "title": title }))).await;
        assert_eq!(created["statusCode"], 201, "{created}");
    }
    let page = invoke(http::Request::get("/todos?limit=1").body(String::new()).unwrap()).await;
    assert_eq!(page["statusCode"], 200, "{page}");
    let link = page["headers"]["link"].as_str().expect("a next page");
    let encoded = link.split("cursor=").nth(1).unwrap().split('>').next().unwrap();
    let cursor: String = form_urlencoded::parse(format!("c={encoded}").as_bytes())
        .next()
        .unwrap()
        .1
        .into_owned();
    bootstrap.kill().await.unwrap();

    let signed = DynamoDbTodoStore::new(&client, &table).cursor_secret("a key only the function knows");
    let next = signed.list(1, Some(cursor.clone())).await.unwrap();
    assert_eq!(next.todos.len(), 1);
    let unsigned = DynamoDbTodoStore::new(&client, &table);
    assert!(matches!(
        unsigned.list(1, Some(cursor)).await,
        Err(todo_api::StoreError::BadCursor)
    ));
}
