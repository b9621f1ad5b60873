//! Graceful shutdown: the app's hooks run when Lambda ends the execution environment.
//!
//! Lambda sends SIGTERM before it ends an environment only to functions with an
//! extension registered (otherwise it kills the process). An app with shutdown hooks
//! registers an internal extension that subscribes to no events — its one long poll
//! never answers, so it costs nothing — and runs its hooks on SIGTERM, within the
//! shutdown window Lambda gives (500 ms with internal extensions only).

use std::future::Future;

use bytes::Bytes;
use http::{Method, Request};

use super::{api::RuntimeApi, outgoing::Outgoing};
use crate::hooks::ShutdownHooks;

/// The internal extension's name: unique within the function.
const EXTENSION_NAME: &str = "lambdo-shutdown";

/// Serves until `serving` ends (it says why) or SIGTERM comes: then runs `hooks` and
/// ends the process.
pub(super) async fn serve_until_sigterm(
    address: &str,
    hooks: ShutdownHooks,
    serving: impl Future<Output = String>,
) -> String {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        // Listening first: a SIGTERM can come as soon as the extension is registered.
        let mut sigterm = match signal(SignalKind::terminate()) {
            Ok(sigterm) => sigterm,
            Err(error) => return format!("cannot listen for SIGTERM: {error}"),
        };
        if let Err(why) = register_extension(address).await {
            return why;
        }
        tokio::select! {
            why = serving => why,
            _ = sigterm.recv() => {
                tracing::info!(hooks = hooks.len(), "SIGTERM: the environment ends, the shutdown hooks run");
                hooks.run().await;
                flush_output();
                std::process::exit(0)
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = (address, hooks);
        serving.await
    }
}

/// Registers the internal extension and makes the long poll that tells Lambda it is
/// ready (before the runtime's first `/next`, as the Extensions API requires).
async fn register_extension(address: &str) -> Result<(), String> {
    let mut api = RuntimeApi::new(address)?;
    let (parts, _) = api
        .call("the extension registration", || {
            let body = Outgoing::json(Bytes::from_static(br#"{"events":[]}"#));
            let mut request = Request::new(body);
            *request.method_mut() = Method::POST;
            *request.uri_mut() = http::Uri::from_static("/2020-01-01/extension/register");
            request.headers_mut().insert(
                "lambda-extension-name",
                http::HeaderValue::from_static(EXTENSION_NAME),
            );
            request
        })
        .await
        .map_err(|error| error.to_string())?;
    let id = parts
        .headers
        .get("lambda-extension-identifier")
        .cloned()
        .ok_or("the Extensions API registered lambdo's extension without an identifier")?;
    tokio::spawn(async move {
        // Subscribed to nothing, it is never answered; an error ends only this task.
        let _ = api
            .call("the extension's /next", || {
                let mut request = Request::new(Outgoing::empty());
                *request.uri_mut() = http::Uri::from_static("/2020-01-01/extension/event/next");
                request
                    .headers_mut()
                    .insert("lambda-extension-identifier", id.clone());
                request
            })
            .await;
    });
    Ok(())
}

/// Writes out what the process's standard streams still hold.
pub(crate) fn flush_output() {
    use std::io::Write;
    let _ = std::io::stdout().flush();
    let _ = std::io::stderr().flush();
}
