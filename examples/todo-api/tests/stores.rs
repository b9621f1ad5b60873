//! The todo API's HTTP flow on both stores: in memory, and DynamoDB (moto's server, as
//! `scripts/test.sh` starts it): paginated listing, optimistic updates, problems.

use std::time::Duration;

use aws_sdk_dynamodb::{
    config::{BehaviorVersion, Credentials, Region},
    types::{AttributeDefinition, BillingMode, KeySchemaElement, KeyType, ScalarAttributeType},
    Client,
};
use lambdo_testing::{PayloadVersion, TestClient, TestResponse};
use serde_json::{json, Value};
use todo_api::{app, DynamoDbTodoStore, InMemoryTodoStore, TodoStore};

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
    let client = TestClient::new(app(store).into_function());
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

#[tokio::test]
async fn on_dynamodb() {
    let endpoint = std::env::var("LAMBDO_DYNAMODB_ENDPOINT").expect(
        "LAMBDO_DYNAMODB_ENDPOINT is not set: run the suite with scripts/test.sh, which starts moto_server",
    );
    let config = aws_sdk_dynamodb::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .endpoint_url(endpoint)
        .region(Region::new("eu-central-1"))
        .credentials_provider(Credentials::new("testing", "testing", None, None, "tests"))
        .timeout_config(
            aws_sdk_dynamodb::config::timeout::TimeoutConfig::builder()
                .operation_timeout(Duration::from_secs(10))
                .build(),
        )
        .build();
    let client = Client::from_conf(config);
    let table = format!("todos-{}", uuid::Uuid::new_v4().simple());
    let attribute = |name: &str| {
        AttributeDefinition::builder()
            .attribute_name(name)
            .attribute_type(ScalarAttributeType::S)
            .build()
            .unwrap()
    };
    let key = |name: &str, kind| {
        KeySchemaElement::builder()
            .attribute_name(name)
            .key_type(kind)
            .build()
            .unwrap()
    };
    client
        .create_table()
        .table_name(&table)
        .billing_mode(BillingMode::PayPerRequest)
        .attribute_definitions(attribute("pk"))
        .attribute_definitions(attribute("id"))
        .key_schema(key("pk", KeyType::Hash))
        .key_schema(key("id", KeyType::Range))
        .send()
        .await
        .unwrap();
    flow(DynamoDbTodoStore::new(&client, &table)).await;
}
