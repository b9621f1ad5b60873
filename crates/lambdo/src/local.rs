//! Local mode: the same function as an ordinary HTTP server, no AWS needed.

use std::{
    net::SocketAddr,
    sync::Arc,
    time::{Duration, SystemTime, UNIX_EPOCH},
};

use axum::{
    body::Bytes,
    extract::{Request, State},
    http::{header, HeaderValue, StatusCode},
    middleware::{self, Next},
    response::{IntoResponse, Response},
    routing::post,
    Router,
};
use lambda_runtime::Diagnostic;

use crate::{
    http::{LambdaRequest, Problem},
    BoxError, Context, Function,
};

/// The path of the Runtime Interface Emulator's invoke endpoint, where local mode takes
/// raw events for any source.
///
/// ```
/// assert_eq!(lambdo::INVOKE_PATH, "/2015-03-31/functions/function/invocations");
/// ```
pub const INVOKE_PATH: &str = "/2015-03-31/functions/function/invocations";

/// The address local mode listens on unless `LAMBDO_LOCAL_ADDR` says otherwise.
///
/// ```
/// let address: std::net::SocketAddr = lambdo::DEFAULT_LOCAL_ADDR.parse().unwrap();
/// assert!(address.ip().is_loopback());
/// ```
pub const DEFAULT_LOCAL_ADDR: &str = "127.0.0.1:3000";

/// The deadline local invocations get, like a function configured with this timeout.
const LOCAL_TIMEOUT: Duration = Duration::from_secs(30);

pub(crate) fn address_from_env() -> Result<SocketAddr, BoxError> {
    let text = std::env::var("LAMBDO_LOCAL_ADDR").unwrap_or_else(|_| DEFAULT_LOCAL_ADDR.to_owned());
    text.parse()
        .map_err(|err| format!("LAMBDO_LOCAL_ADDR={text:?} is not a socket address: {err}").into())
}

pub(crate) async fn serve(function: Function, address: SocketAddr) -> Result<(), BoxError> {
    let listener = tokio::net::TcpListener::bind(address)
        .await
        .map_err(|err| format!("local mode cannot listen on {address}: {err}"))?;
    let bound = listener.local_addr()?;
    let app = local_router(function.clone(), Boundary::from_env(bound));
    // Listen for signals before announcing the address: whoever reads the
    // startup line may send Ctrl-C straight away.
    let shutdown = shutdown_signal()?;
    eprintln!(
        "lambdo: serving {} on http://{bound} (HTTP routes{}; raw events: POST http://{bound}{INVOKE_PATH})",
        function_name(),
        if function.router().is_some() {
            ""
        } else {
            ": none registered"
        },
    );
    axum::serve(listener, app)
        .with_graceful_shutdown(shutdown)
        .await?;
    function.shutdown().await;
    eprintln!("lambdo: stopped");
    Ok(())
}

/// The invoke endpoint first, then the app's own routes, behind the boundary.
pub(crate) fn local_router(function: Function, boundary: Boundary) -> Router {
    let routes = match function.router() {
        Some(router) => router,
        None => Router::new().fallback(|| async {
            Problem::not_found(format!(
                "this function serves no HTTP routes; POST events to {INVOKE_PATH}"
            ))
        }),
    };
    Router::new()
        .route(INVOKE_PATH, post(invoke))
        .with_state(function.clone())
        .fallback_service(routes)
        .layer(middleware::from_fn_with_state(function, as_invocation))
        .layer(middleware::from_fn_with_state(Arc::new(boundary), guard))
}

/// The variable naming further host names local mode answers (comma-separated; `*`:
/// any), for a proxy or a container network in front of it.
pub(crate) const ALLOWED_HOSTS_VAR: &str = "LAMBDO_LOCAL_ALLOWED_HOSTS";

/// The variable naming the origins (`http://localhost:5173`) whose pages may call the
/// invoke endpoint besides local mode's own (comma-separated; `*`: any).
pub(crate) const ALLOWED_ORIGINS_VAR: &str = "LAMBDO_LOCAL_ALLOWED_ORIGINS";

/// Whom local mode answers. A developer's browser can reach loopback, so any page it
/// visits could post to local mode (a `text/plain` POST needs no CORS preflight) or
/// point its own host name at 127.0.0.1 (DNS rebinding). Listening on loopback, local
/// mode answers only requests for `localhost`, `*.localhost` and loopback addresses,
/// and its invoke endpoint takes only same-origin requests with a JSON (or binary)
/// body; both can be opened up by name ([`ALLOWED_HOSTS_VAR`], [`ALLOWED_ORIGINS_VAR`]).
/// Listening on any other address is opening it up already: hosts are not checked.
#[derive(Debug, Clone)]
pub(crate) struct Boundary {
    /// The host names requests may name (lower case, no port); `None`: any.
    hosts: Option<Vec<String>>,
    /// Origins allowed on the invoke endpoint besides the request's own; `None`: any.
    origins: Option<Vec<String>>,
}

impl Boundary {
    /// The boundary of a server bound to `bound`, opened up as the environment says.
    pub(crate) fn from_env(bound: SocketAddr) -> Self {
        let listed = |name: &str| std::env::var(name).ok().map(|text| list(&text));
        Boundary::new(bound, listed(ALLOWED_HOSTS_VAR), listed(ALLOWED_ORIGINS_VAR))
    }

    fn new(bound: SocketAddr, hosts: Option<Vec<String>>, origins: Option<Vec<String>>) -> Self {
        let any =
            |names: &Option<Vec<String>>| names.as_ref().is_some_and(|names| names.iter().any(|n| n == "*"));
        let hosts = if !bound.ip().is_loopback() || any(&hosts) {
            None
        } else {
            let mut names: Vec<String> = ["localhost", "127.0.0.1", "[::1]"].map(str::to_owned).into();
            names.push(match bound.ip() {
                std::net::IpAddr::V6(ip) => format!("[{ip}]"),
                ip => ip.to_string(),
            });
            names.extend(hosts.unwrap_or_default());
            Some(names)
        };
        let origins = if any(&origins) {
            None
        } else {
            Some(origins.unwrap_or_default())
        };
        Boundary { hosts, origins }
    }

    fn allows_host(&self, host: &str) -> bool {
        let Some(names) = &self.hosts else {
            return true;
        };
        let name = host_name(host).to_ascii_lowercase();
        name.ends_with(".localhost") || names.contains(&name)
    }

    /// Whether a page of `origin` may call the invoke endpoint of `host`.
    fn allows_origin(&self, origin: &str, host: Option<&str>) -> bool {
        let Some(allowed) = &self.origins else {
            return true;
        };
        let own = host.is_some_and(|host| {
            origin.eq_ignore_ascii_case(&format!("http://{host}"))
                || origin.eq_ignore_ascii_case(&format!("https://{host}"))
        });
        own || allowed.iter().any(|allowed| allowed.eq_ignore_ascii_case(origin))
    }

    /// The problem to answer `request` with, if it crosses the boundary.
    fn refusal(&self, request: &Request) -> Option<Problem> {
        let header =
            |name: header::HeaderName| request.headers().get(name).and_then(|value| value.to_str().ok());
        let host =
            header(header::HOST).or_else(|| request.uri().authority().map(|authority| authority.as_str()));
        if host.is_some_and(|host| !self.allows_host(host)) {
            return Some(Problem::new(StatusCode::FORBIDDEN).with_detail(format!(
                "local mode answers requests for localhost only, and this one names another host \
                 (a DNS rebinding attempt, or a proxy: set {ALLOWED_HOSTS_VAR} to its host name)"
            )));
        }
        if request.uri().path() != INVOKE_PATH {
            return None;
        }
        let cross_site = header(header::HeaderName::from_static("sec-fetch-site"))
            .is_some_and(|site| !matches!(site, "same-origin" | "none"));
        let foreign = match header(header::ORIGIN) {
            Some(origin) => !self.allows_origin(origin, host),
            None => cross_site && self.origins.is_some(),
        };
        if foreign {
            return Some(Problem::new(StatusCode::FORBIDDEN).with_detail(format!(
                "the invoke endpoint takes no requests from other sites' pages \
                 (set {ALLOWED_ORIGINS_VAR} to the origin of a page that should call it)"
            )));
        }
        if !takes_content_type(header(header::CONTENT_TYPE)) {
            return Some(
                Problem::new(StatusCode::UNSUPPORTED_MEDIA_TYPE).with_detail(
                    "the invoke endpoint takes JSON events: send Content-Type: application/json",
                ),
            );
        }
        None
    }
}

/// A comma-separated list, trimmed, lower-cased, empty entries dropped.
fn list(text: &str) -> Vec<String> {
    text.split(',')
        .map(|entry| entry.trim().trim_end_matches('/').to_ascii_lowercase())
        .filter(|entry| !entry.is_empty())
        .collect()
}

/// `host[:port]` (or `[v6]:port`) without its port.
fn host_name(host: &str) -> &str {
    if host.starts_with('[') {
        return host.find(']').map_or(host, |end| &host[..=end]);
    }
    host.rsplit_once(':').map_or(host, |(name, _)| name)
}

/// Refuses what crosses the boundary, with a problem that says how to open it up.
async fn guard(State(boundary): State<Arc<Boundary>>, request: Request, next: Next) -> Response {
    match boundary.refusal(&request) {
        Some(problem) => problem.into_response(),
        None => next.run(request).await,
    }
}

/// JSON, the binary type the AWS SDKs send an Invoke payload as, or none: every type
/// a page can send another site without a CORS preflight (`text/plain`, forms) is
/// refused.
fn takes_content_type(content_type: Option<&str>) -> bool {
    let Some(content_type) = content_type else {
        return true;
    };
    let essence = content_type
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    essence.is_empty()
        || essence == "application/json"
        || essence.ends_with("+json")
        || essence == "application/octet-stream"
        || essence == "binary/octet-stream"
}

/// Answers like Lambda's Invoke API: 200 with the response, or 200 with
/// `X-Amz-Function-Error: Unhandled` and the error's `Diagnostic`.
async fn invoke(State(function): State<Function>, event: Bytes) -> Response {
    match function.call(event, local_context()).await {
        Ok(raw) => (
            [("content-type", "application/json")],
            String::from(Box::<str>::from(raw)),
        )
            .into_response(),
        Err(error) => {
            tracing::error!(error_type = error.error_type(), error = %error, "invocation failed");
            let diagnostic: Diagnostic = error.into();
            let mut response = (StatusCode::OK, axum::Json(diagnostic)).into_response();
            response
                .headers_mut()
                .insert("x-amz-function-error", HeaderValue::from_static("Unhandled"));
            response
        }
    }
}

/// Gives each local HTTP request what an invocation in Lambda has: a context, a
/// span, metrics. (The invoke path makes its own through [`Function::call`].)
async fn as_invocation(State(function): State<Function>, mut request: Request, next: Next) -> Response {
    if request.uri().path() == INVOKE_PATH {
        return next.run(request).await;
    }
    let context = local_context();
    let invocation = function.invocation(&context);
    request.extensions_mut().insert(LambdaRequest {
        context,
        request_context: None,
    });
    invocation.run(next.run(request)).await
}

/// A Lambda context for one local invocation.
fn local_context() -> Context {
    let mut context = Context::default();
    let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default();
    context.request_id = format!("local-{:x}-{:x}", now.as_secs(), now.subsec_nanos());
    context.deadline = (now + LOCAL_TIMEOUT).as_millis() as u64;
    context.invoked_function_arn = format!("arn:aws:lambda:local:000000000000:function:{}", function_name());
    context
}

/// The function's name: Lambda's variable when set, else the executable's name.
fn function_name() -> String {
    std::env::var("AWS_LAMBDA_FUNCTION_NAME")
        .ok()
        .or_else(|| {
            let exe = std::env::current_exe().ok()?;
            Some(exe.file_stem()?.to_string_lossy().into_owned())
        })
        .unwrap_or_else(|| "function".to_owned())
}

/// Resolves on Ctrl-C (SIGINT) or SIGTERM. The handlers are registered when
/// this is called, not when the future is first polled.
#[cfg(unix)]
fn shutdown_signal() -> Result<impl std::future::Future<Output = ()>, BoxError> {
    use tokio::signal::unix::{signal, SignalKind};
    let mut interrupt = signal(SignalKind::interrupt())?;
    let mut terminate = signal(SignalKind::terminate())?;
    Ok(async move {
        tokio::select! {
            _ = interrupt.recv() => {},
            _ = terminate.recv() => {},
        }
    })
}

/// Resolves on Ctrl-C.
#[cfg(not(unix))]
fn shutdown_signal() -> Result<impl std::future::Future<Output = ()>, BoxError> {
    Ok(async {
        let _ = tokio::signal::ctrl_c().await;
    })
}

#[cfg(test)]
mod tests {
    use axum::{body::Body, routing::get};
    use http::Request;
    use http_body_util::BodyExt;
    use tower::ServiceExt;

    use super::*;
    use crate::{http::LambdaContext, App, Json};

    async fn request_id(LambdaContext(context): LambdaContext) -> String {
        context.request_id
    }

    async fn double(Json(n): Json<i64>) -> Result<i64, BoxError> {
        Ok(n * 2)
    }

    fn loopback() -> Boundary {
        Boundary::new(SocketAddr::from(([127, 0, 0, 1], 3000)), None, None)
    }

    async fn send(router: Router, request: Request<Body>) -> (StatusCode, http::HeaderMap, String) {
        let response = router.oneshot(request).await.unwrap();
        let status = response.status();
        let headers = response.headers().clone();
        let body = response.into_body().collect().await.unwrap().to_bytes();
        (status, headers, String::from_utf8_lossy(&body).into_owned())
    }

    #[tokio::test]
    async fn routes_get_a_local_lambda_context() {
        let function = App::new(())
            .http(Router::new().route("/id", get(request_id)))
            .into_function();
        let (status, _, body) = send(
            local_router(function, loopback()),
            Request::get("/id").body(Body::empty()).unwrap(),
        )
        .await;
        assert_eq!(status, 200);
        assert!(body.starts_with("local-"), "{body}");
    }

    #[tokio::test]
    async fn the_invoke_path_answers_like_the_invoke_api() {
        let function = App::new(()).invoke(double).into_function();
        let router = local_router(function, loopback());
        let ok = Request::post(INVOKE_PATH).body(Body::from("21")).unwrap();
        assert_eq!(send(router.clone(), ok).await.2, "42");
        let bad = Request::post(INVOKE_PATH).body(Body::from(r#""x""#)).unwrap();
        let (status, headers, body) = send(router.clone(), bad).await;
        assert_eq!(status, 200);
        assert_eq!(headers["x-amz-function-error"], "Unhandled");
        assert!(body.contains("Lambdo.EventDecode"), "{body}");
        // No HTTP routes registered: every other path is a problem that says where to go.
        let (status, headers, body) = send(router, Request::get("/").body(Body::empty()).unwrap()).await;
        assert_eq!(status, 404);
        assert_eq!(headers["content-type"], "application/problem+json");
        assert!(body.contains(INVOKE_PATH));
    }

    fn invoke_router(boundary: Boundary) -> Router {
        local_router(App::new(()).invoke(double).into_function(), boundary)
    }

    async fn status_of(router: &Router, request: http::request::Builder, body: &'static str) -> u16 {
        send(router.clone(), request.body(Body::from(body)).unwrap())
            .await
            .0
            .as_u16()
    }

    #[tokio::test]
    async fn on_loopback_only_local_host_names_are_answered() {
        let router = invoke_router(loopback());
        let get = |host: &str| Request::get("/").header("host", host);
        for host in [
            "localhost:3000",
            "LOCALHOST",
            "127.0.0.1:3000",
            "[::1]:3000",
            "app.localhost:3000",
        ] {
            assert_eq!(status_of(&router, get(host), "").await, 404, "{host}");
        }
        for host in [
            "evil.example:3000",
            "127.0.0.1.evil.example",
            "localhost.evil.example",
        ] {
            assert_eq!(status_of(&router, get(host), "").await, 403, "{host}");
        }
        let opened = invoke_router(Boundary::new(
            SocketAddr::from(([127, 0, 0, 1], 3000)),
            Some(list("dev.test, ")),
            None,
        ));
        assert_eq!(status_of(&opened, get("dev.test:3000"), "").await, 404);
        assert_eq!(status_of(&opened, get("evil.example"), "").await, 403);
        let any = Boundary::new(SocketAddr::from(([127, 0, 0, 1], 3000)), Some(list("*")), None);
        assert_eq!(status_of(&invoke_router(any), get("evil.example"), "").await, 404);
        // Listening beyond loopback is opening up on purpose.
        let wide = invoke_router(Boundary::new(SocketAddr::from(([0, 0, 0, 0], 3000)), None, None));
        assert_eq!(status_of(&wide, get("evil.example"), "").await, 404);
    }

    #[tokio::test]
    async fn the_invoke_endpoint_takes_same_origin_json_only() {
        let router = invoke_router(loopback());
        let post = |content_type: Option<&str>, origin: Option<&str>| {
            let mut request = Request::post(INVOKE_PATH).header("host", "localhost:3000");
            if let Some(content_type) = content_type {
                request = request.header("content-type", content_type);
            }
            if let Some(origin) = origin {
                request = request.header("origin", origin);
            }
            request
        };
        // What a page on another site can send without a preflight.
        let evil = Some("https://evil.example");
        assert_eq!(
            status_of(&router, post(Some("text/plain"), evil), "21").await,
            403
        );
        assert_eq!(
            status_of(&router, post(Some("application/json"), evil), "21").await,
            403
        );
        assert_eq!(status_of(&router, post(None, Some("null")), "21").await, 403);
        let cross_site = post(Some("application/json"), None).header("sec-fetch-site", "cross-site");
        assert_eq!(status_of(&router, cross_site, "21").await, 403);
        for content_type in [
            "text/plain",
            "application/x-www-form-urlencoded",
            "multipart/form-data; boundary=x",
        ] {
            assert_eq!(
                status_of(&router, post(Some(content_type), None), "21").await,
                415,
                "{content_type}"
            );
        }
        // curl, the AWS SDKs, the page local mode serves itself.
        let own = Some("http://localhost:3000");
        for (content_type, origin) in [
            (None, None),
            (Some("application/json"), None),
            (Some("application/json; charset=utf-8"), own),
            (Some("binary/octet-stream"), None),
            (Some("application/octet-stream"), None),
        ] {
            assert_eq!(
                status_of(&router, post(content_type, origin), "21").await,
                200,
                "{content_type:?}"
            );
        }
        let opened = invoke_router(Boundary::new(
            SocketAddr::from(([127, 0, 0, 1], 3000)),
            None,
            Some(list("http://localhost:5173/")),
        ));
        let vite = post(Some("application/json"), Some("http://localhost:5173"));
        assert_eq!(status_of(&opened, vite, "21").await, 200);
        assert_eq!(
            status_of(&opened, post(Some("application/json"), evil), "21").await,
            403
        );
    }

    #[test]
    fn host_names_lose_their_port() {
        assert_eq!(host_name("localhost:3000"), "localhost");
        assert_eq!(host_name("[::1]:3000"), "[::1]");
        assert_eq!(host_name("[::1]"), "[::1]");
        assert_eq!(host_name("example.test"), "example.test");
    }

    #[tokio::test]
    async fn local_mode_answers_cors_as_lambda_does() {
        let function = App::new(())
            .http(Router::new().route("/id", get(request_id)))
            .cors(crate::http::Cors::origins(["http://localhost:5173"]))
            .into_function();
        let router = local_router(function, loopback());
        let preflight = Request::options("/id")
            .header("host", "localhost:3000")
            .header("origin", "http://localhost:5173")
            .header("access-control-request-method", "GET")
            .body(Body::empty())
            .unwrap();
        let (status, headers, _) = send(router.clone(), preflight).await;
        assert_eq!(status, 200);
        assert_eq!(headers["access-control-allow-origin"], "http://localhost:5173");
        let get = Request::get("/id")
            .header("host", "localhost:3000")
            .header("origin", "http://localhost:5173")
            .body(Body::empty())
            .unwrap();
        let (status, headers, body) = send(router, get).await;
        assert_eq!(status, 200);
        assert!(body.starts_with("local-"));
        assert_eq!(headers["access-control-allow-origin"], "http://localhost:5173");
    }
}
