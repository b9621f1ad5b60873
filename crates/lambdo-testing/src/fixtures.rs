//! Real AWS event samples, as the services send them (ids and hosts anonymised).
//!
//! ```
//! let event: serde_json::Value = serde_json::from_str(lambdo_testing::fixtures::APIGW_HTTP_V2).unwrap();
//! assert_eq!(event["version"], "2.0");
//! ```

/// API Gateway REST API (payload 1.0), `GET /prod/todos/1` with a Cognito authorizer.
pub const APIGW_REST_V1: &str = include_str!("../fixtures/http/apigw-rest-v1.json");
/// API Gateway HTTP API (payload 2.0), `GET /todos/1` with a JWT authorizer and cookies.
pub const APIGW_HTTP_V2: &str = include_str!("../fixtures/http/apigw-http-v2.json");
/// ALB target group, single-value headers, `GET /todos/1`.
pub const ALB: &str = include_str!("../fixtures/http/alb.json");
/// ALB target group with multi-value headers enabled, `GET /todos/1`.
pub const ALB_MULTI_VALUE: &str = include_str!("../fixtures/http/alb-multi-value.json");
/// Lambda Function URL (payload 2.0), `GET /todos/1`.
pub const FUNCTION_URL: &str = include_str!("../fixtures/http/function-url.json");
/// What `cargo lambda watch`'s Function URL proxy sends for `GET /todos/1?x=1`:
/// `aws_lambda_events`' HTTP API request serialized, `null` authorizer fields and all.
pub const CARGO_LAMBDA_WATCH_FUNCTION_URL: &str =
    include_str!("../fixtures/http/cargo-lambda-watch-function-url.json");
/// SQS standard queue `orders`, two JSON messages, one with a message attribute.
pub const SQS_STANDARD: &str = include_str!("../fixtures/sqs/standard.json");
/// SQS FIFO queue `orders.fifo`, three messages in groups `customer-1` and `customer-2`.
pub const SQS_FIFO: &str = include_str!("../fixtures/sqs/fifo.json");
/// Kinesis Data Streams, two JSON records (`{"page", "user"}`) of one shard.
pub const KINESIS: &str = include_str!("../fixtures/streams/kinesis.json");
/// DynamoDB Streams (`NEW_AND_OLD_IMAGES`): an INSERT, a MODIFY and a time-to-live
/// REMOVE of item `Id = 101` with a `Message` attribute.
pub const DYNAMODB_STREAM: &str = include_str!("../fixtures/streams/dynamodb.json");
/// SNS notification of topic `sns-lambda`; the message is `{"name", "state"}` JSON.
pub const SNS: &str = include_str!("../fixtures/events/sns.json");
/// S3 `ObjectCreated:Put` of `photos/my holiday photo(1).jpg` (URL-encoded in the event).
pub const S3_PUT: &str = include_str!("../fixtures/events/s3.json");
/// EventBridge custom event `OrderPlaced` from `com.example.shop`.
pub const EVENTBRIDGE: &str = include_str!("../fixtures/events/eventbridge.json");
/// EventBridge scheduled rule `my-scheduled-rule`.
pub const SCHEDULE: &str = include_str!("../fixtures/events/schedule.json");

/// Every event `sam local generate-event` gives for the services lambdo has sources
/// for, by file name (`sqs-receive-message.json`…); `scripts/sam-events.sh` makes them.
///
/// ```
/// let events = lambdo_testing::fixtures::sam_events();
/// assert!(events.iter().any(|(name, _)| name == "sqs-receive-message.json"));
/// ```
pub fn sam_events() -> Vec<(String, String)> {
    read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/sam").as_ref())
}

/// The sample events that come with the `aws_lambda_events` crate (`src/fixtures/` of
/// its package in cargo's registry, at the version `Cargo.lock` names), by file name:
/// about 170 real events of every service, and a few responses. Panics when the
/// package cannot be found.
///
/// ```
/// let samples = lambdo_testing::fixtures::aws_lambda_events_samples();
/// assert!(samples.iter().any(|(name, _)| name == "example-sqs-event.json"));
/// ```
pub fn aws_lambda_events_samples() -> Vec<(String, String)> {
    let workspace = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let lock = std::fs::read_to_string(workspace.join("Cargo.lock")).expect("the workspace's Cargo.lock");
    let version = lock
        .split("[[package]]")
        .find(|package| package.contains("\nname = \"aws_lambda_events\"\n"))
        .and_then(|package| package.lines().find_map(|line| line.strip_prefix("version = ")))
        .map(|version| version.trim_matches('"').to_owned())
        .expect("aws_lambda_events is in Cargo.lock");
    let cargo_home = std::env::var_os("CARGO_HOME")
        .map(std::path::PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|home| std::path::Path::new(&home).join(".cargo")))
        .expect("CARGO_HOME or HOME is set");
    let package = format!("aws_lambda_events-{version}");
    let registries = std::fs::read_dir(cargo_home.join("registry/src")).expect("cargo's registry sources");
    let fixtures = registries
        .map(|registry| {
            registry
                .expect("a registry")
                .path()
                .join(&package)
                .join("src/fixtures")
        })
        .find(|fixtures| fixtures.is_dir())
        .unwrap_or_else(|| panic!("{package} is not unpacked in {}", cargo_home.display()));
    read_dir(&fixtures)
}

/// The `.json` files of `dir`, sorted by name.
fn read_dir(dir: &std::path::Path) -> Vec<(String, String)> {
    let mut events: Vec<(String, String)> = std::fs::read_dir(dir)
        .unwrap_or_else(|error| panic!("{}: {error}", dir.display()))
        .map(|entry| entry.expect("a directory entry").path())
        .filter(|path| path.extension().is_some_and(|extension| extension == "json"))
        .map(|path| {
            let name = path
                .file_name()
                .expect("a file name")
                .to_string_lossy()
                .into_owned();
            let text =
                std::fs::read_to_string(&path).unwrap_or_else(|error| panic!("{}: {error}", path.display()));
            (name, text)
        })
        .collect();
    events.sort();
    events
}
