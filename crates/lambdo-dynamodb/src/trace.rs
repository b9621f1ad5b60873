//! Each DynamoDB call in a span that X-Ray takes for an AWS call: lambdo's `xray`
//! layer turns it into a subsegment in the `aws` namespace (service, operation, table,
//! region), marked `error`, `throttle` or `fault` as the call failed. Without a layer
//! that reads spans, a span costs next to nothing beside the call's network round trip.

use std::future::Future;

use aws_sdk_dynamodb::Client;
use tracing::{field::Empty, Instrument};

use crate::TableError;

/// Runs `call`, the DynamoDB `operation` on `table`, in its span.
pub(crate) async fn traced<R>(
    client: &Client,
    table: &str,
    operation: &'static str,
    call: impl Future<Output = Result<R, TableError>>,
) -> Result<R, TableError> {
    let config = client.config();
    let span = tracing::info_span!(
        "DynamoDB",
        aws.service = "DynamoDB",
        aws.operation = operation,
        aws.table_name = table,
        aws.region = config.region().map(|region| region.as_ref()),
        error = Empty,
        throttle = Empty,
        fault = Empty,
    );
    let result = call.instrument(span.clone()).await;
    if let Err(error) = &result {
        match error {
            TableError::Throttled(_) => span.record("throttle", true),
            TableError::Service(_) => span.record("fault", true),
            _ => span.record("error", true),
        };
    }
    result
}
