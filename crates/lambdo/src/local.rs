//! Local mode: the same function as an ordinary HTTP server, no AWS needed.

use std::{
    net::SocketAddr,
    time::{Duration, SystemTime, UNIX_EPOCH},
};

use axum::{
    body::Bytes,
    extract::{Request, State},
    http::{HeaderValue, StatusCode},
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
    let app = local_router(function.clone());
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
    eprintln!("lambdo: stopped");
    Ok(())
}

/// The invoke endpoint first, then the app's own routes.
pub(crate) fn local_router(function: Function) -> Router {
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
            local_router(function),
            Request::get("/id").body(Body::empty()).unwrap(),
        )
        .await;
        assert_eq!(status, 200);
        assert!(body.starts_with("local-"), "{body}");
    }

    #[tokio::test]
    async fn the_invoke_path_answers_like_the_invoke_api() {
        let function = App::new(()).invoke(double).into_function();
        let router = local_router(function);
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
}
