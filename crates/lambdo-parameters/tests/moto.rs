//! The providers against moto's server (SSM, Secrets Manager, DynamoDB), through a proxy
//! that counts the requests: what the cache saves is seen at the server.

use std::time::Duration;

use aws_sdk_ssm::types::ParameterType;
use lambdo_parameters::{DynamoDbParameters, Options, ParameterError, Parameters, SecretsManager, Ssm};
use lambdo_testing::{moto_config as sdk_config, moto_endpoint, CountingProxy};

/// A name no other test (or run) uses.
fn unique(prefix: &str) -> String {
    format!("{prefix}-{}", uuid::Uuid::new_v4().simple())
}

async fn put_parameter(config: &aws_config::SdkConfig, name: &str, value: &str, kind: ParameterType) {
    aws_sdk_ssm::Client::new(config)
        .put_parameter()
        .name(name)
        .value(value)
        .r#type(kind)
        .send()
        .await
        .expect("the parameter is stored");
}

#[tokio::test]
async fn ssm_values_are_fetched_once_while_fresh_again_when_old_or_forced() {
    let proxy = CountingProxy::start(&moto_endpoint()).await;
    let config = sdk_config(&proxy.endpoint());
    let root = format!("/{}", unique("shop"));
    put_parameter(
        &config,
        &format!("{root}/db-url"),
        "postgres://db",
        ParameterType::String,
    )
    .await;
    put_parameter(
        &config,
        &format!("{root}/api-key"),
        "s3cr3t",
        ParameterType::SecureString,
    )
    .await;
    put_parameter(
        &config,
        &format!("{root}/limits"),
        r#"{"max_items": 3}"#,
        ParameterType::String,
    )
    .await;
    put_parameter(
        &config,
        &format!("{root}/nested/flag"),
        "on",
        ParameterType::String,
    )
    .await;

    let parameters = Parameters::new(Ssm::new(&config)).max_age(Duration::from_millis(300));
    let url = format!("{root}/db-url");
    assert_eq!(parameters.get(&url).await.unwrap(), "postgres://db");
    assert_eq!(parameters.get(&url).await.unwrap(), "postgres://db");
    assert_eq!(proxy.count("GetParameter"), 1, "the second read is the cache's");
    // A clone shares the cache.
    assert_eq!(parameters.clone().get(&url).await.unwrap(), "postgres://db");
    assert_eq!(proxy.count("GetParameter"), 1);

    tokio::time::sleep(Duration::from_millis(400)).await;
    parameters.get(&url).await.unwrap();
    assert_eq!(
        proxy.count("GetParameter"),
        2,
        "older than its max age: fetched again"
    );
    parameters
        .fetch(&url, Options::new().force_fetch())
        .await
        .unwrap();
    assert_eq!(proxy.count("GetParameter"), 3, "forced");
    parameters
        .fetch(&url, Options::new().max_age(Duration::from_secs(60)))
        .await
        .unwrap();
    assert_eq!(proxy.count("GetParameter"), 3, "fresh for a longer max age");

    // SecureStrings come decrypted; JSON into a type.
    assert_eq!(
        parameters.get(&format!("{root}/api-key")).await.unwrap(),
        "s3cr3t"
    );
    #[derive(serde::Deserialize)]
    struct Limits {
        max_items: u32,
    }
    let limits: Limits = parameters.get_json(&format!("{root}/limits")).await.unwrap();
    assert_eq!(limits.max_items, 3);

    // A path, recursively, by relative name; several by name.
    let all = parameters.get_by_path(&root).await.unwrap();
    assert_eq!(all.len(), 4, "{all:?}");
    assert_eq!(all["nested/flag"], "on");
    assert_eq!(all["api-key"], "s3cr3t");
    parameters.get_by_path(&root).await.unwrap();
    assert_eq!(proxy.count("GetParametersByPath"), 1);
    let names = [url.clone(), format!("{root}/nested/flag")];
    let some = parameters
        .get_multiple(&names.iter().map(String::as_str).collect::<Vec<_>>())
        .await
        .unwrap();
    assert_eq!(some[&url], "postgres://db");
    assert_eq!(some.len(), 2);
}

#[tokio::test]
async fn fifty_concurrent_cold_reads_of_one_parameter_make_one_request() {
    let proxy = CountingProxy::start(&moto_endpoint()).await;
    let config = sdk_config(&proxy.endpoint());
    let name = format!("/{}/shared", unique("herd"));
    put_parameter(&config, &name, "v", ParameterType::String).await;
    let parameters = Parameters::new(Ssm::new(&config));
    let reads = (0..50).map(|_| {
        let (parameters, name) = (parameters.clone(), name.clone());
        tokio::spawn(async move { parameters.get(&name).await })
    });
    for read in futures_util::future::join_all(reads).await {
        assert_eq!(read.unwrap().unwrap(), "v");
    }
    assert_eq!(proxy.count("GetParameter"), 1);
}

#[tokio::test]
async fn errors_are_typed_and_never_quote_the_value() {
    let config = sdk_config(&moto_endpoint());
    let parameters = Parameters::new(Ssm::new(&config));
    let missing = format!("/{}/missing", unique("nothing"));
    let error = parameters.get(&missing).await.unwrap_err();
    assert!(
        matches!(&error, ParameterError::NotFound(name) if *name == missing),
        "{error:?}"
    );
    assert_eq!(error.error_type(), "Parameters.NotFound");

    let name = format!("/{}/card", unique("bad"));
    put_parameter(
        &config,
        &name,
        r#"{"max_items": "4111-1111-1111-1111"}"#,
        ParameterType::SecureString,
    )
    .await;
    #[derive(Debug, serde::Deserialize)]
    #[allow(dead_code)]
    struct Limits {
        max_items: u32,
    }
    let error = parameters.get_json::<Limits>(&name).await.unwrap_err();
    assert_eq!(error.error_type(), "Parameters.BadValue");
    let message = error.to_string();
    assert!(
        message.contains("max_items") && message.contains("expected u32"),
        "{message}"
    );
    assert!(!message.contains("4111"), "{message}");
    let error = parameters.get_bytes(&name).await.unwrap_err();
    assert!(
        matches!(
            error,
            ParameterError::BadValue {
                expected: "base64",
                ..
            }
        ),
        "{error:?}"
    );
}

#[tokio::test]
async fn secrets_come_as_strings_json_or_bytes() {
    let proxy = CountingProxy::start(&moto_endpoint()).await;
    let config = sdk_config(&proxy.endpoint());
    let client = aws_sdk_secretsmanager::Client::new(&config);
    let database = unique("shop/database");
    client
        .create_secret()
        .name(&database)
        .secret_string(r#"{"username": "shop", "password": "hunter2"}"#)
        .send()
        .await
        .unwrap();
    let certificate = unique("shop/certificate");
    client
        .create_secret()
        .name(&certificate)
        .secret_binary(aws_sdk_secretsmanager::primitives::Blob::new(vec![
            0, 159, 146, 150,
        ]))
        .send()
        .await
        .unwrap();
    let secrets = Parameters::new(SecretsManager::new(&config));
    #[derive(serde::Deserialize)]
    struct Database {
        username: String,
        password: String,
    }
    let credentials: Database = secrets.get_json(&database).await.unwrap();
    assert_eq!(
        (credentials.username.as_str(), credentials.password.as_str()),
        ("shop", "hunter2")
    );
    secrets.get(&database).await.unwrap();
    assert_eq!(proxy.count("GetSecretValue"), 1);
    assert_eq!(secrets.get_bytes(&certificate).await.unwrap(), [0, 159, 146, 150]);
    assert!(matches!(
        secrets.get(&certificate).await,
        Err(ParameterError::BadValue { .. })
    ));
    let missing = secrets.get(&unique("shop/none")).await.unwrap_err();
    assert_eq!(missing.error_type(), "Parameters.NotFound", "{missing:?}");
}

#[tokio::test]
async fn a_dynamodb_table_of_parameters_one_by_id_or_a_partition() {
    use aws_sdk_dynamodb::types::AttributeValue;
    let proxy = CountingProxy::start(&moto_endpoint()).await;
    let config = sdk_config(&proxy.endpoint());
    let client = aws_sdk_dynamodb::Client::new(&config);
    let table = lambdo_testing::create_table(&client, "parameters", &["id", "sk"]).await;
    for (id, sk, value) in [
        ("banner", "-", "Hello"),
        ("flags", "dark-mode", "on"),
        ("flags", "beta", "off"),
    ] {
        client
            .put_item()
            .table_name(&table)
            .item("id", AttributeValue::S(id.into()))
            .item("sk", AttributeValue::S(sk.into()))
            .item("value", AttributeValue::S(value.into()))
            .send()
            .await
            .unwrap();
    }
    let flags = Parameters::new(DynamoDbParameters::new(&config, &table));
    let partition = flags.get_partition("flags").await.unwrap();
    assert_eq!(partition.len(), 2);
    assert_eq!(partition["dark-mode"], "on");
    flags.get_partition("flags").await.unwrap();
    assert_eq!(proxy.count("Query"), 1);
    assert!(flags.get_partition("nothing").await.unwrap().is_empty());

    // One by id needs a table keyed by `id` alone.
    let single = lambdo_testing::create_table(&client, "parameters-by-id", &["id"]).await;
    client
        .put_item()
        .table_name(&single)
        .item("id", AttributeValue::S("banner".into()))
        .item("value", AttributeValue::S("Hello".into()))
        .send()
        .await
        .unwrap();
    let parameters = Parameters::new(DynamoDbParameters::new(&config, &single));
    assert_eq!(parameters.get("banner").await.unwrap(), "Hello");
    assert_eq!(parameters.get("banner").await.unwrap(), "Hello");
    assert_eq!(proxy.count("GetItem"), 1);
    let missing = parameters.get("nothing").await.unwrap_err();
    assert_eq!(missing.error_type(), "Parameters.NotFound");
}
