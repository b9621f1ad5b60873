//! Every example's release `bootstrap` as a real process under the Lambda emulator, fed
//! real AWS payloads. `scripts/test.sh` builds the release binaries first
//! (`cargo build --release --bins -p todo-api -p order-worker`); a missing binary fails
//! the test.

use std::time::Duration;

use lambdo_testing::{fixtures, Emulator, FunctionConfig, HttpEvent, Outcome, PayloadVersion, SqsBatch};
use lambdo_tests::release_binary;
use serde_json::{json, Value};

/// A buffered HTTP response, or a streamed one (todo-api streams to Function URLs) as
/// the same JSON: its head with the body beside it.
fn response(outcome: Outcome) -> Value {
    match outcome {
        Outcome::Response(value) => value,
        Outcome::Streamed(streamed) => {
            let (mut head, body) = streamed.http_parts().expect("a streamed HTTP response");
            head["body"] = String::from_utf8(body).expect("a text body").into();
            head
        }
        other => panic!("expected a response, got {other:?}"),
    }
}

fn body(response: &Value) -> Value {
    serde_json::from_str(response["body"].as_str().unwrap_or("null")).unwrap_or(Value::Null)
}

#[tokio::test]
async fn todo_api() {
    let config = FunctionConfig::new(release_binary("todo-api"))
        .name("todo-api")
        .env("TODO_STORE", "memory")
        .timeout(Duration::from_secs(10));
    let emulator = Emulator::start(config).await.unwrap();

    // Every payload version's real sample reaches GET /todos/{id}: 400 for the id "1",
    // which is not a UUID, as a problem response (streamed to the Function URL).
    for (version, fixture) in [
        (PayloadVersion::RestV1, fixtures::APIGW_REST_V1),
        (PayloadVersion::HttpV2, fixtures::APIGW_HTTP_V2),
        (PayloadVersion::Alb, fixtures::ALB),
        (PayloadVersion::FunctionUrl, fixtures::FUNCTION_URL),
    ] {
        let event: Value = serde_json::from_str(fixture).unwrap();
        let answer = response(emulator.invoke(&event).await.outcome);
        assert_eq!(answer["statusCode"], 400, "{version:?}: {answer}");
        assert_eq!(body(&answer)["status"], 400, "{version:?}");
    }

    let create = http::Request::post("/todos")
        .header("content-type", "application/json")
        .body(r#"{"title":"ship the emulator"}"#)
        .unwrap();
    let created = emulator
        .invoke(&HttpEvent::new(PayloadVersion::RestV1).from_request(&create))
        .await;
    let answer = response(created.outcome.clone());
    assert_eq!(answer["statusCode"], 201, "{answer}");
    let id = body(&answer)["id"].as_str().unwrap().to_owned();

    let get = http::Request::get(format!("/todos/{id}")).body("").unwrap();
    let fetched = emulator
        .invoke(&HttpEvent::new(PayloadVersion::AlbMultiValue).from_request(&get))
        .await;
    assert!(!fetched.cold_start, "one process serves the whole session");
    let answer = response(fetched.outcome);
    assert_eq!(answer["statusCode"], 200);
    assert_eq!(body(&answer)["title"], "ship the emulator");

    let import = emulator.invoke(&json!({"todos": [{"title": "  "}]})).await;
    match import.outcome {
        Outcome::Error(diagnostic) => assert_eq!(diagnostic.error_type, "TodoImport.InvalidTodo"),
        other => panic!("expected the import to fail, got {other:?}"),
    }

    // Lambda's JSON log format on stdout; the failed invocation is logged with its
    // request id and errorType.
    tokio::time::sleep(Duration::from_millis(200)).await;
    let lines = emulator.stdout_json();
    assert!(
        lines.iter().any(|line| line["level"] == "ERROR"
            && line["requestId"] == import.request_id.as_str()
            && line["error_type"] == "TodoImport.InvalidTodo"
            && line["function_name"] == "todo-api"
            && line["function_arn"] == "arn:aws:lambda:eu-central-1:123456789012:function:todo-api"),
        "no error line for {} in {lines:#?}",
        import.request_id
    );
    assert!(
        lines.iter().any(|line| line["message"] == "todo created"
            && line["requestId"] == created.request_id.as_str()
            && line["todo_id"] == id.as_str()),
        "no creation line in {lines:#?}"
    );
    // Metrics as EMF objects on the same stream: the cold start, the creation, and the
    // failed import's size (flushed although the invocation failed).
    let metric = |name: &str| {
        lines
            .iter()
            .filter(|line| line.get("_aws").is_some() && line.get(name).is_some())
            .count()
    };
    assert_eq!(metric("ColdStart"), 1);
    assert_eq!(metric("TodosCreated"), 1);
    assert_eq!(metric("ImportSize"), 1);
    assert_eq!(metric("TodosImported"), 0);
    emulator.stop().await;
}

/// In Lambda without its table, todo-api does not run on a store that forgets: its cold
/// start fails with an error the invoker reads, and every later invocation again.
#[tokio::test]
async fn todo_api_without_its_table_fails_its_init_saying_so() {
    let config = FunctionConfig::new(release_binary("todo-api"))
        .name("todo-api")
        .timeout(Duration::from_secs(10));
    let emulator = Emulator::start(config).await.unwrap();
    let event =
        HttpEvent::new(PayloadVersion::HttpV2).from_request(&http::Request::get("/todos").body("").unwrap());
    for attempt in 0..2 {
        let invocation = emulator.invoke(&event).await;
        let Outcome::Error(diagnostic) = invocation.outcome else {
            panic!(
                "attempt {attempt}: expected an init error, got {:?}",
                invocation.outcome
            );
        };
        assert_eq!(
            diagnostic.error_type, "TodoApi.NotConfigured",
            "attempt {attempt}"
        );
        assert!(
            diagnostic.error_message.contains("TABLE_NAME is not set"),
            "{}",
            diagnostic.error_message
        );
        assert!(
            diagnostic.error_message.contains("TODO_STORE=memory"),
            "{}",
            diagnostic.error_message
        );
        assert!(
            invocation.cold_start,
            "attempt {attempt}: a failed init starts afresh"
        );
    }
    emulator.stop().await;
}

#[tokio::test]
async fn order_worker() {
    let config = FunctionConfig::new(release_binary("order-worker"))
        .name("order-worker")
        .env("LAMBDO_METRICS_NAMESPACE", "lambdo-examples")
        .timeout(Duration::from_secs(10));
    let emulator = Emulator::start(config).await.unwrap();

    // The real sample: both orders lack a `sku`, so both fail to decode and the whole
    // batch fails (the event source mapping backs off).
    let sample: Value = serde_json::from_str(fixtures::SQS_STANDARD).unwrap();
    match emulator.invoke(&sample).await.outcome {
        Outcome::Error(diagnostic) => assert_eq!(diagnostic.error_type, "Lambdo.BatchFailed"),
        other => panic!("expected the batch to fail, got {other:?}"),
    }

    let order = |id: &str, sku: &str, quantity: u32| json!({"orderId": id, "sku": sku, "quantity": quantity});
    let batch = SqsBatch::standard("orders")
        .message(&order("o-1", "tea", 2))
        .message(&order("o-2", "gone-coffee", 1))
        .message(&order("o-3", "tea", 0))
        .message(&json!({"orderId": "o-4", "sku": "tea", "quantity": -1}))
        .message(&order("o-5", "cake", 1));
    let ids = batch.message_ids();
    let answered = emulator.invoke(&batch.to_event()).await;
    let failed: Vec<Value> = ids[1..4].iter().map(|id| json!({"itemIdentifier": id})).collect();
    assert_eq!(response(answered.outcome), json!({"batchItemFailures": failed}));

    // FIFO: the failure of o-11 holds back o-13 of the same group, not o-12.
    let fifo = SqsBatch::fifo("orders")
        .grouped("alice", &order("o-11", "gone-tea", 1))
        .grouped("bob", &order("o-12", "tea", 1))
        .grouped("alice", &order("o-13", "tea", 1));
    let fifo_ids = fifo.message_ids();
    let answered = emulator.invoke(&fifo.to_event()).await;
    let failed =
        json!({"batchItemFailures": [{"itemIdentifier": fifo_ids[0]}, {"itemIdentifier": fifo_ids[2]}]});
    assert_eq!(response(answered.outcome), failed);

    tokio::time::sleep(Duration::from_millis(200)).await;
    let lines = emulator.stdout_json();
    // Each failed record's line names it; a decode failure names the JSON path.
    let failure = |id: &str| {
        lines
            .iter()
            .find(|line| line["message"] == "the record failed" && line["correlation_id"] == id)
            .unwrap_or_else(|| panic!("no failure line for {id} in {lines:#?}"))
    };
    assert_eq!(failure(&ids[1])["error"], "sku gone-coffee is out of stock");
    assert!(failure(&ids[3])["error"]
        .as_str()
        .unwrap()
        .contains("at `quantity`"));
    let fulfilled: Vec<&Value> = lines
        .iter()
        .filter(|line| line["message"] == "order fulfilled")
        .collect();
    assert_eq!(fulfilled.len(), 3, "o-1, o-5 and o-12");
    assert!(fulfilled.iter().all(|line| line["requestId"].is_string()));
    // Records ran four at a time: each line names its own record (lambdo's Lambda
    // subscriber opens no span per record; the id reaches the line all the same).
    let fulfilled_ids: Vec<(&Value, &Value)> = fulfilled
        .iter()
        .map(|line| (&line["order_id"], &line["correlation_id"]))
        .collect();
    for (order, id) in [("o-1", &ids[0]), ("o-5", &ids[4]), ("o-12", &fifo_ids[1])] {
        assert!(
            fulfilled_ids.contains(&(&json!(order), &json!(id))),
            "{order} not logged with {id}: {fulfilled_ids:?}"
        );
    }
    // Metrics of the batch, in the example's namespace.
    let shipped: f64 = lines
        .iter()
        .filter(|line| line["_aws"]["CloudWatchMetrics"][0]["Namespace"] == "lambdo-examples")
        .filter_map(|line| match &line["ItemsShipped"] {
            Value::Array(values) => Some(values.iter().filter_map(Value::as_f64).sum::<f64>()),
            value => value.as_f64(),
        })
        .sum();
    assert_eq!(shipped, 4.0);
    emulator.stop().await;
}
