//! API Gateway WebSocket APIs: routes by route key, `$default` for messages nobody else
//! routes, the connection at hand, and the answers WebSocket routes expect.

use lambdo::{
    websocket::{WebSocketEvent, WebSocketResponse},
    App, State,
};
use lambdo_testing::{fixtures, TestClient};
use lambdo_tests::Seen;
use serde_json::{json, Value};

fn sample(name: &str) -> Value {
    let text = fixtures::aws_lambda_events_samples()
        .into_iter()
        .find(|(file, _)| file == name)
        .unwrap_or_else(|| panic!("no sample {name}"))
        .1;
    serde_json::from_str(&text).unwrap()
}

/// A WebSocket event of `route_key`, as API Gateway sends it.
fn event(route_key: &str, event_type: &str, body: Option<&str>) -> Value {
    let mut event = sample("example-apigw-websocket-request-without-method.json");
    event["requestContext"]["routeKey"] = json!(route_key);
    event["requestContext"]["eventType"] = json!(event_type);
    event["body"] = json!(body);
    event
}

async fn connect(
    State(seen): State<Seen>,
    event: WebSocketEvent,
) -> Result<WebSocketResponse, lambdo::BoxError> {
    seen.push(format!(
        "connect {} {}",
        event.connection_id(),
        event.callback_url()
    ));
    Ok(match event.query("token") {
        Some("bad") => WebSocketResponse::status(401),
        _ => WebSocketResponse::ok(),
    })
}

async fn disconnect(State(seen): State<Seen>, event: WebSocketEvent) -> Result<(), lambdo::BoxError> {
    seen.push(format!("disconnect {}", event.event_type()));
    Ok(())
}

#[derive(serde::Deserialize)]
struct Say {
    text: String,
}

async fn say(State(seen): State<Seen>, event: WebSocketEvent) -> Result<WebSocketResponse, lambdo::BoxError> {
    let say: Say = event.json()?;
    seen.push(format!("say {}", say.text));
    Ok(WebSocketResponse::reply(format!("you said {}", say.text)))
}

async fn fallback(
    State(seen): State<Seen>,
    event: WebSocketEvent,
) -> Result<WebSocketResponse, lambdo::BoxError> {
    seen.push(format!("default {}", event.route_key()));
    Ok(WebSocketResponse::reply("unknown action"))
}

fn chat(seen: &Seen) -> TestClient {
    let app = App::new(seen.clone())
        .websocket("$connect", connect)
        .websocket("$disconnect", disconnect)
        .websocket("say", say)
        .websocket("$default", fallback);
    TestClient::new(app.into_function())
}

#[tokio::test]
async fn each_route_reaches_its_handler_with_the_connection_at_hand() {
    let seen = Seen::default();
    let client = chat(&seen);
    let connected = client.invoke(event("$connect", "CONNECT", None)).await.unwrap();
    assert_eq!(connected, json!({"statusCode": 200}));
    let reply = client
        .invoke(event("say", "MESSAGE", Some(r#"{"action":"say","text":"hi"}"#)))
        .await
        .unwrap();
    assert_eq!(reply, json!({"statusCode": 200, "body": "you said hi"}));
    let fallback = client
        .invoke(event("$default", "MESSAGE", Some("?")))
        .await
        .unwrap();
    assert_eq!(fallback["body"], "unknown action");
    client
        .invoke(event("$disconnect", "DISCONNECT", None))
        .await
        .unwrap();
    let context = &sample("example-apigw-websocket-request-without-method.json")["requestContext"];
    let id = context["connectionId"].as_str().unwrap();
    let url = format!(
        "https://{}/{}/@connections/{id}",
        context["domainName"].as_str().unwrap(),
        context["stage"].as_str().unwrap()
    );
    assert_eq!(
        seen.all(),
        [
            format!("connect {id} {url}"),
            "say hi".to_owned(),
            "default $default".to_owned(),
            "disconnect DISCONNECT".to_owned()
        ]
    );
}

#[tokio::test]
async fn every_websocket_sample_is_taken_as_a_websocket_event() {
    for name in [
        "example-apigw-websocket-request.json",
        "example-apigw-websocket-request-without-method.json",
        "example-apigw-websocket-request-disconnect-route.json",
    ] {
        let seen = Seen::default();
        let answer = chat(&seen)
            .invoke(sample(name))
            .await
            .unwrap_or_else(|error| panic!("{name}: {error:?}"));
        assert_eq!(answer["statusCode"], 200, "{name}");
        assert_eq!(seen.all().len(), 1, "{name}");
    }
}

#[tokio::test]
async fn refusals_failures_and_routes_nobody_handles() {
    let seen = Seen::default();
    let client = chat(&seen);
    let mut bad = event("$connect", "CONNECT", None);
    bad["queryStringParameters"] = json!({"token": "bad"});
    assert_eq!(client.invoke(&bad).await.unwrap(), json!({"statusCode": 401}));

    // A body that does not fit fails the invocation, naming the path.
    let error = client
        .invoke(event("say", "MESSAGE", Some(r#"{"text": 5}"#)))
        .await
        .unwrap_err();
    assert_eq!(error.error_type, "Lambdo.EventDecode");
    assert!(error.error_message.contains("text"), "{}", error.error_message);

    // Without `$default`, a route nobody handles is no source's; a base64 body decodes.
    let only_say = TestClient::new(App::new(seen.clone()).websocket("say", say).into_function());
    let error = only_say
        .invoke(event("other", "MESSAGE", Some("x")))
        .await
        .unwrap_err();
    assert_eq!(error.error_type, "Lambdo.UnsupportedEvent");
    assert!(
        error.error_message.contains("route `other`"),
        "{}",
        error.error_message
    );
    let mut encoded = event("say", "MESSAGE", Some("eyJ0ZXh0IjoiYjY0In0="));
    encoded["isBase64Encoded"] = json!(true);
    assert_eq!(only_say.invoke(&encoded).await.unwrap()["body"], "you said b64");
}

#[tokio::test]
async fn websocket_routes_and_http_routes_live_in_one_app() {
    let seen = Seen::default();
    let router = axum::Router::new().route("/", axum::routing::get(|| async { "http" }));
    let client = TestClient::new(
        App::new(seen.clone())
            .http(router)
            .websocket("$default", fallback)
            .into_function(),
    );
    let http = client
        .invoke_raw(
            fixtures::aws_lambda_events_samples()
                .into_iter()
                .find(|(name, _)| name == "example-apigw-v2-request-no-authorizer.json")
                .unwrap()
                .1,
        )
        .await
        .unwrap();
    assert_eq!(http["body"], "http");
    let message = client
        .invoke(event("$default", "MESSAGE", Some("x")))
        .await
        .unwrap();
    assert_eq!(message["body"], "unknown action");
}
