//! `LAMBDO_LOG_EVENT_VALUES=1` brings serde's messages back, values and all: the one
//! test of this process, as it sets the variable for the whole process.

use lambdo::{App, Json};
use lambdo_testing::TestClient;
use serde_json::json;

#[derive(Debug, serde::Deserialize)]
#[allow(dead_code)]
struct Order {
    quantity: u32,
}

async fn direct(Json(_order): Json<Order>) -> Result<(), lambdo::BoxError> {
    Ok(())
}

#[tokio::test]
async fn values_shown_when_asked_for() {
    let client = TestClient::new(App::new(()).invoke(direct).into_function());
    let hidden = client.invoke(json!({"quantity": "4111-1111"})).await.unwrap_err();
    assert!(!hidden.error_message.contains("4111"), "{}", hidden.error_message);

    // This process's only test: no other test reads the environment meanwhile.
    std::env::set_var("LAMBDO_LOG_EVENT_VALUES", "1");
    let shown = client.invoke(json!({"quantity": "4111-1111"})).await.unwrap_err();
    assert!(
        shown
            .error_message
            .contains(r#"at `quantity`: invalid type: string "4111-1111", expected u32"#),
        "{}",
        shown.error_message
    );
}
