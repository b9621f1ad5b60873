//! AWS APIs for tests: moto's server, which `scripts/test.sh` starts, and a proxy in
//! front of it that counts the requests it forwards (to see what a cache saved).

use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
};

use axum::{body::Body, extract::State, http::Request, response::Response, Router};
use http_body_util::BodyExt;
use hyper_util::rt::TokioIo;

/// The AWS API endpoint the tests use: moto's server, which serves every API moto has
/// (not only DynamoDB's).
///
/// `LAMBDO_DYNAMODB_ENDPOINT` when it is set (`scripts/test.sh` starts one server for
/// the whole suite). Otherwise the first call starts `moto_server` for this test
/// process, on a free loopback port: the one `LAMBDO_MOTO_SERVER` names, else the one in
/// the project's venv (`$LAMBDO_VENV`, or a `.venv` above the crate, as
/// `scripts/dev-tools.sh` makes it), else the one on `PATH`. It stops when the process
/// ends. A plain `cargo test` then needs nothing set by hand.
///
/// # Panics
///
/// When no server is set and none can be started (no `moto_server` found, or it does
/// not answer within 30 s): a test that needs it fails rather than skips.
pub fn moto_endpoint() -> String {
    if let Ok(endpoint) = std::env::var("LAMBDO_DYNAMODB_ENDPOINT") {
        return endpoint;
    }
    static STARTED: std::sync::OnceLock<Result<String, String>> = std::sync::OnceLock::new();
    match STARTED.get_or_init(start_moto) {
        Ok(endpoint) => endpoint.clone(),
        Err(why) => panic!("{why}"),
    }
}

/// Starts `moto_server` on a free loopback port, watched by a shell that stops it when
/// this process is gone (a test process has no exit hook to stop it with).
fn start_moto() -> Result<String, String> {
    let server = moto_server().ok_or_else(|| {
        "no moto server: LAMBDO_DYNAMODB_ENDPOINT is not set and no moto_server was found \
         (LAMBDO_MOTO_SERVER, $LAMBDO_VENV/bin, a .venv above the crate, PATH): run scripts/dev-tools.sh, \
         which installs it into .venv, or scripts/test.sh"
            .to_owned()
    })?;
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .map_err(|error| format!("no free loopback port for moto_server: {error}"))?
        .port();
    // The watcher's loop ends by itself once this process (or moto) is gone.
    let watcher = r#"
        "$1" -H 127.0.0.1 -p "$2" >/dev/null 2>&1 &
        moto=$!
        trap 'kill "$moto" 2>/dev/null' EXIT
        while kill -0 "$3" 2>/dev/null && kill -0 "$moto" 2>/dev/null; do sleep 0.5; done
    "#;
    std::process::Command::new("sh")
        .arg("-c")
        .arg(watcher)
        .arg("moto-watcher")
        .arg(&server)
        .arg(port.to_string())
        .arg(std::process::id().to_string())
        .stdin(std::process::Stdio::null())
        .spawn()
        .map_err(|error| format!("{} cannot be started: {error}", server.display()))?;
    let endpoint = format!("http://127.0.0.1:{port}");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while std::time::Instant::now() < deadline {
        if answers(port) {
            return Ok(endpoint);
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    Err(format!(
        "{} did not answer on {endpoint} within 30 s",
        server.display()
    ))
}

/// Whether moto's own API answers on `port`.
fn answers(port: u16) -> bool {
    use std::io::{Read, Write};
    let Ok(mut stream) = std::net::TcpStream::connect(("127.0.0.1", port)) else {
        return false;
    };
    let _ = stream.set_read_timeout(Some(std::time::Duration::from_secs(2)));
    let request = format!("GET /moto-api/ HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\r\n");
    let mut head = [0u8; 12];
    stream.write_all(request.as_bytes()).is_ok()
        && stream.read_exact(&mut head).is_ok()
        && head.starts_with(b"HTTP/1.1 200")
}

/// Where `moto_server` is, by the order [`moto_endpoint`] says.
fn moto_server() -> Option<std::path::PathBuf> {
    use std::path::PathBuf;
    let executable = |path: PathBuf| path.is_file().then_some(path);
    if let Some(path) = std::env::var_os("LAMBDO_MOTO_SERVER") {
        return Some(PathBuf::from(path));
    }
    if let Some(venv) = std::env::var_os("LAMBDO_VENV") {
        if let Some(path) = executable(PathBuf::from(venv).join("bin/moto_server")) {
            return Some(path);
        }
    }
    let start = std::env::var_os("CARGO_MANIFEST_DIR")
        .map(PathBuf::from)
        .or_else(|| std::env::current_dir().ok())?;
    if let Some(path) = start
        .ancestors()
        .find_map(|dir| executable(dir.join(".venv/bin/moto_server")))
    {
        return Some(path);
    }
    std::env::split_paths(&std::env::var_os("PATH")?).find_map(|dir| executable(dir.join("moto_server")))
}

/// An AWS SDK configuration for the API at `endpoint` (moto's server): test
/// credentials, `eu-central-1`, and each operation bounded to 10 s (a test that waits
/// on a stuck server fails instead of hanging).
///
/// ```
/// let config = lambdo_testing::moto_config("http://127.0.0.1:5000");
/// assert_eq!(config.region().map(|region| region.as_ref()), Some("eu-central-1"));
/// ```
pub fn moto_config(endpoint: &str) -> aws_config::SdkConfig {
    use aws_credential_types::{provider::SharedCredentialsProvider, Credentials};
    aws_config::SdkConfig::builder()
        .behavior_version(aws_config::BehaviorVersion::latest())
        .endpoint_url(endpoint)
        .region(aws_config::Region::new("eu-central-1"))
        .credentials_provider(SharedCredentialsProvider::new(Credentials::new(
            "testing", "testing", None, None, "tests",
        )))
        .timeout_config(
            aws_config::timeout::TimeoutConfig::builder()
                .operation_timeout(std::time::Duration::from_secs(10))
                .build(),
        )
        .build()
}

/// A new DynamoDB table with a unique name starting with `prefix`, on demand, keyed by
/// the string attributes `keys`: the partition key, then the sort key if there is one
/// (as template.yaml declares the examples' tables). Its name is returned.
///
/// ```no_run
/// # async fn example() {
/// let client = aws_sdk_dynamodb::Client::new(&lambdo_testing::moto_config(&lambdo_testing::moto_endpoint()));
/// let todos = lambdo_testing::create_table(&client, "todos", &["pk", "id"]).await;
/// assert!(todos.starts_with("todos-"));
/// # }
/// ```
///
/// # Panics
///
/// When the table cannot be created, or `keys` is not one or two names.
#[cfg(feature = "dynamodb")]
pub async fn create_table(client: &aws_sdk_dynamodb::Client, prefix: &str, keys: &[&str]) -> String {
    use aws_sdk_dynamodb::types::{
        AttributeDefinition, BillingMode, KeySchemaElement, KeyType, ScalarAttributeType,
    };
    assert!(
        matches!(keys.len(), 1 | 2),
        "a table has a partition key and at most one sort key"
    );
    let name = format!("{prefix}-{}", uuid::Uuid::new_v4().simple());
    let mut request = client
        .create_table()
        .table_name(&name)
        .billing_mode(BillingMode::PayPerRequest);
    for (index, &key) in keys.iter().enumerate() {
        let kind = if index == 0 { KeyType::Hash } else { KeyType::Range };
        let attribute = AttributeDefinition::builder()
            .attribute_name(key)
            .attribute_type(ScalarAttributeType::S)
            .build()
            .expect("a complete attribute definition");
        let element = KeySchemaElement::builder()
            .attribute_name(key)
            .key_type(kind)
            .build()
            .expect("a complete key element");
        request = request.attribute_definitions(attribute).key_schema(element);
    }
    request
        .send()
        .await
        .unwrap_or_else(|error| panic!("the table {name} cannot be created: {error:?}"));
    name
}

/// Forwards every request to an AWS API endpoint and counts them by operation (the
/// `X-Amz-Target` header of JSON-protocol APIs: `AmazonSSM.GetParameter`,
/// `secretsmanager.GetSecretValue`, `DynamoDB_20120810.GetItem`…).
///
/// ```no_run
/// # async fn example() {
/// let proxy = lambdo_testing::CountingProxy::start(&lambdo_testing::moto_endpoint()).await;
/// // … SDK calls to `proxy.endpoint()` …
/// assert_eq!(proxy.count("GetParameter"), 1);
/// # }
/// ```
#[derive(Debug, Clone)]
pub struct CountingProxy {
    address: String,
    counts: Arc<Mutex<HashMap<String, usize>>>,
}

#[derive(Clone)]
struct Upstream {
    authority: String,
    counts: Arc<Mutex<HashMap<String, usize>>>,
}

impl CountingProxy {
    /// A proxy on a free loopback port in front of `upstream` (`http://host:port`).
    pub async fn start(upstream: &str) -> CountingProxy {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("a loopback port");
        let address = listener.local_addr().expect("its address").to_string();
        let counts = Arc::new(Mutex::new(HashMap::new()));
        let upstream = Upstream {
            authority: upstream
                .trim_start_matches("http://")
                .trim_end_matches('/')
                .to_owned(),
            counts: Arc::clone(&counts),
        };
        let router = Router::new().fallback(forward).with_state(upstream);
        tokio::spawn(async move { axum::serve(listener, router).await });
        CountingProxy { address, counts }
    }

    /// The proxy's endpoint, for an SDK configuration.
    pub fn endpoint(&self) -> String {
        format!("http://{}", self.address)
    }

    /// How many requests of the operation `operation` (the end of `X-Amz-Target`, such
    /// as `GetParameter`) went through.
    pub fn count(&self, operation: &str) -> usize {
        let counts = self
            .counts
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        counts
            .iter()
            .filter(|(target, _)| target.rsplit('.').next() == Some(operation))
            .map(|(_, count)| count)
            .sum()
    }
}

async fn forward(State(upstream): State<Upstream>, request: Request<Body>) -> Response {
    let target = request
        .headers()
        .get("x-amz-target")
        .and_then(|target| target.to_str().ok())
        .unwrap_or("(no target)")
        .to_owned();
    *upstream
        .counts
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
        .entry(target)
        .or_default() += 1;
    match send(&upstream.authority, request).await {
        Ok(response) => response,
        Err(error) => {
            let mut response = Response::new(Body::from(format!("the proxy could not forward: {error}")));
            *response.status_mut() = http::StatusCode::BAD_GATEWAY;
            response
        }
    }
}

async fn send(
    authority: &str,
    request: Request<Body>,
) -> Result<Response, Box<dyn std::error::Error + Send + Sync>> {
    let (parts, body) = request.into_parts();
    let body = body.collect().await?.to_bytes();
    let stream = tokio::net::TcpStream::connect(authority).await?;
    let (mut sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream)).await?;
    tokio::spawn(connection);
    let response = sender
        .send_request(Request::from_parts(parts, http_body_util::Full::new(body)))
        .await?;
    let (parts, body) = response.into_parts();
    let body = body.collect().await?.to_bytes();
    Ok(Response::from_parts(parts, Body::from(body)))
}
