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
