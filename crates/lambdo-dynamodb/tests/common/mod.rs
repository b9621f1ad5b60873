//! A real DynamoDB API for the tests: the moto server `scripts/test.sh` starts
//! (`LAMBDO_DYNAMODB_ENDPOINT`), tables with unique names, and a proxy that makes
//! DynamoDB leave batch writes unprocessed.

#![allow(dead_code)]

use std::sync::{
    atomic::{AtomicUsize, Ordering},
    Arc,
};

use aws_sdk_dynamodb::Client;
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::{body::Incoming, service::service_fn, Request, Response};
use hyper_util::rt::TokioIo;
use serde_json::{json, Value};

/// The endpoint of the DynamoDB API under test. A missing server fails the test: the
/// suite's own script starts one.
pub(crate) fn endpoint() -> String {
    lambdo_testing::moto_endpoint()
}

/// A client of `endpoint` with test credentials.
pub(crate) fn client_of(endpoint: &str) -> Client {
    Client::new(&lambdo_testing::moto_config(endpoint))
}

/// A new table with a unique name: partition key `pk` (string) and, if asked, sort
/// key `sk` (string).
pub(crate) async fn create_table(client: &Client, prefix: &str, sort_key: bool) -> String {
    create_table_keyed(client, prefix, "pk", sort_key).await
}

/// A new table with a unique name and the string partition key `partition`.
pub(crate) async fn create_table_keyed(
    client: &Client,
    prefix: &str,
    partition: &str,
    sort_key: bool,
) -> String {
    let keys: &[&str] = if sort_key {
        &[partition, "sk"]
    } else {
        &[partition]
    };
    lambdo_testing::create_table(client, prefix, keys).await
}

/// Forwards to the DynamoDB API, except that the first `batches` `BatchWriteItem`
/// calls have all but their first write held back and answered as `UnprocessedItems`,
/// the way a throttled table answers.
pub(crate) struct Throttler {
    pub(crate) address: String,
    pub(crate) held_back: Arc<AtomicUsize>,
}

impl Throttler {
    pub(crate) async fn start(upstream: String, batches: usize) -> Throttler {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = format!("http://{}", listener.local_addr().unwrap());
        let held_back = Arc::new(AtomicUsize::new(0));
        let remaining = Arc::new(AtomicUsize::new(batches));
        let counter = Arc::clone(&held_back);
        tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    return;
                };
                let (upstream, remaining, counter) =
                    (upstream.clone(), Arc::clone(&remaining), Arc::clone(&counter));
                tokio::spawn(async move {
                    let service = service_fn(move |request| {
                        forward(
                            request,
                            upstream.clone(),
                            Arc::clone(&remaining),
                            Arc::clone(&counter),
                        )
                    });
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), service)
                        .await;
                });
            }
        });
        Throttler { address, held_back }
    }
}

async fn forward(
    request: Request<Incoming>,
    upstream: String,
    remaining: Arc<AtomicUsize>,
    held_back: Arc<AtomicUsize>,
) -> Result<Response<Full<Bytes>>, hyper::Error> {
    let (parts, body) = request.into_parts();
    let mut body = body.collect().await?.to_bytes();
    let is_batch_write = parts
        .headers
        .get("x-amz-target")
        .is_some_and(|target| target.as_bytes().ends_with(b".BatchWriteItem"));
    let mut unprocessed = Value::Null;
    if is_batch_write
        && remaining
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
            .is_ok()
    {
        let mut request: Value = serde_json::from_slice(&body).unwrap();
        let items = request["RequestItems"].as_object_mut().unwrap();
        let mut held = serde_json::Map::new();
        for (table, writes) in items.iter_mut() {
            let writes = writes.as_array_mut().unwrap();
            let rest: Vec<Value> = writes.drain(1..).collect();
            held_back.fetch_add(rest.len(), Ordering::SeqCst);
            held.insert(table.clone(), Value::Array(rest));
        }
        unprocessed = Value::Object(held);
        body = Bytes::from(serde_json::to_vec(&request).unwrap());
    }
    let io = tokio::net::TcpStream::connect(upstream.trim_start_matches("http://"))
        .await
        .unwrap();
    let (mut sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(io)).await?;
    tokio::spawn(connection);
    let mut forwarded = Request::from_parts(parts, Full::new(body.clone()));
    forwarded
        .headers_mut()
        .insert("content-length", body.len().into());
    let response = sender.send_request(forwarded).await?;
    let (mut parts, body) = response.into_parts();
    let mut body = body.collect().await?.to_bytes();
    if !unprocessed.is_null() {
        let mut answer: Value = serde_json::from_slice(&body).unwrap_or_else(|_| json!({}));
        answer["UnprocessedItems"] = unprocessed;
        body = Bytes::from(serde_json::to_vec(&answer).unwrap());
        parts.headers.insert("content-length", body.len().into());
        parts.headers.remove("x-amz-crc32");
    }
    Ok(Response::from_parts(parts, Full::new(body)))
}
