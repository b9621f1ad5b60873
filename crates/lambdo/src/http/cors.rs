//! CORS for the HTTP routes: which other sites' pages may call them, as one checked
//! setting over tower-http's [`CorsLayer`]. Off unless [`App::cors`](crate::App::cors)
//! turns it on; it then answers preflights (`OPTIONS` with
//! `Access-Control-Request-Method`) itself, before any route or handler, and adds the
//! CORS headers to every response, for every payload version and in local mode.

use std::time::Duration;

use http::{HeaderName, HeaderValue, Method};
use tower_http::cors::{AllowCredentials, AllowHeaders, AllowMethods, AllowOrigin, CorsLayer, ExposeHeaders};

/// Which origins may call the API from a browser, with what.
///
/// ```
/// use lambdo::http::Cors;
///
/// let cors = Cors::origins(["https://app.example.com"])
///     .allow_credentials()
///     .max_age(std::time::Duration::from_secs(600));
/// let app = lambdo::App::new(()).http(axum::Router::new()).cors(cors);
/// # let _ = app;
/// ```
///
/// A wildcard origin with credentials would let every site act as the signed-in user:
/// it is refused when the app starts (see [`Cors::check`]).
#[derive(Debug, Clone)]
#[must_use]
pub struct Cors {
    /// `None`: any origin (`*`).
    origins: Option<Vec<String>>,
    methods: Vec<Method>,
    headers: Vec<HeaderName>,
    expose: Vec<HeaderName>,
    credentials: bool,
    max_age: Option<Duration>,
}

/// Why a [`Cors`] setting cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CorsError {
    /// `Access-Control-Allow-Origin: *` with `Access-Control-Allow-Credentials: true`.
    #[error("CORS: any origin (`*`) with credentials lets every site call the API as its signed-in users; list the origins instead")]
    AnyOriginWithCredentials,
    /// An origin that is not `scheme://host[:port]`.
    #[error("CORS: `{0}` is not an origin (`https://host[:port]`, no path)")]
    NotAnOrigin(String),
    /// The `null` origin (sandboxed frames, `file:` pages), which any page can take on.
    #[error("CORS: the `null` origin can be taken on by any page; it cannot be allowed")]
    NullOrigin,
}

impl Cors {
    /// Pages of these origins (`https://app.example.com`, `http://localhost:5173`).
    pub fn origins<I, T>(origins: I) -> Self
    where
        I: IntoIterator<Item = T>,
        T: AsRef<str>,
    {
        Cors::with(Some(
            origins
                .into_iter()
                .map(|origin| origin.as_ref().trim_end_matches('/').to_owned())
                .collect(),
        ))
    }

    /// Pages of any origin (`*`), without credentials: for public, read-only APIs.
    pub fn any_origin() -> Self {
        Cors::with(None)
    }

    fn with(origins: Option<Vec<String>>) -> Self {
        Cors {
            origins,
            methods: [
                Method::GET,
                Method::HEAD,
                Method::POST,
                Method::PUT,
                Method::PATCH,
                Method::DELETE,
            ]
            .into(),
            headers: [http::header::CONTENT_TYPE, http::header::AUTHORIZATION].into(),
            expose: Vec::new(),
            credentials: false,
            max_age: None,
        }
    }

    /// The methods pages may use (default: GET, HEAD, POST, PUT, PATCH, DELETE).
    pub fn allow_methods(mut self, methods: impl IntoIterator<Item = Method>) -> Self {
        self.methods = methods.into_iter().collect();
        self
    }

    /// The request headers pages may send (default: `content-type`, `authorization`).
    pub fn allow_headers(mut self, headers: impl IntoIterator<Item = HeaderName>) -> Self {
        self.headers = headers.into_iter().collect();
        self
    }

    /// The response headers pages may read beyond the safelisted ones.
    pub fn expose_headers(mut self, headers: impl IntoIterator<Item = HeaderName>) -> Self {
        self.expose = headers.into_iter().collect();
        self
    }

    /// Lets pages send cookies and `Authorization` and read the response
    /// (`Access-Control-Allow-Credentials: true`). Listed origins only.
    pub fn allow_credentials(mut self) -> Self {
        self.credentials = true;
        self
    }

    /// How long browsers may cache a preflight's answer.
    pub fn max_age(mut self, max_age: Duration) -> Self {
        self.max_age = Some(max_age);
        self
    }

    /// The layer, or why this setting cannot be used.
    ///
    /// ```
    /// use lambdo::http::{Cors, CorsError};
    ///
    /// assert_eq!(Cors::any_origin().allow_credentials().check().unwrap_err(), CorsError::AnyOriginWithCredentials);
    /// assert!(Cors::origins(["https://app.example.com/login"]).check().is_err());
    /// assert!(Cors::origins(["https://app.example.com"]).allow_credentials().check().is_ok());
    /// ```
    pub fn check(&self) -> Result<CorsLayer, CorsError> {
        let origin = match &self.origins {
            None if self.credentials => return Err(CorsError::AnyOriginWithCredentials),
            None => AllowOrigin::any(),
            Some(origins) => {
                let values = origins
                    .iter()
                    .map(|origin| origin_value(origin))
                    .collect::<Result<Vec<_>, _>>()?;
                AllowOrigin::list(values)
            }
        };
        let mut layer = CorsLayer::new()
            .allow_origin(origin)
            .allow_methods(AllowMethods::list(self.methods.iter().cloned()))
            .allow_headers(AllowHeaders::list(self.headers.iter().cloned()))
            .expose_headers(ExposeHeaders::list(self.expose.iter().cloned()))
            .allow_credentials(AllowCredentials::from(self.credentials));
        if let Some(max_age) = self.max_age {
            layer = layer.max_age(max_age);
        }
        Ok(layer)
    }
}

/// `origin` as the `Origin` header carries it, if it is one.
fn origin_value(origin: &str) -> Result<HeaderValue, CorsError> {
    if origin.eq_ignore_ascii_case("null") {
        return Err(CorsError::NullOrigin);
    }
    let not_an_origin = || CorsError::NotAnOrigin(origin.to_owned());
    let (scheme, authority) = origin.split_once("://").ok_or_else(not_an_origin)?;
    let well_formed = !scheme.is_empty()
        && scheme
            .bytes()
            .all(|byte| byte.is_ascii_alphanumeric() || b"+-.".contains(&byte))
        && !authority.is_empty()
        && !authority.contains(['/', '?', '#', '@', '*', ' ']);
    if !well_formed {
        return Err(not_an_origin());
    }
    HeaderValue::from_str(origin).map_err(|_| not_an_origin())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_origins_are_origins() {
        for origin in [
            "https://app.example.com",
            "http://localhost:5173",
            "https://[::1]:8443",
        ] {
            assert!(origin_value(origin).is_ok(), "{origin}");
        }
        for origin in [
            "app.example.com",
            "https://",
            "https://a.example/path",
            "https://*.example",
            "://x",
            "https://u@a",
        ] {
            assert_eq!(
                origin_value(origin),
                Err(CorsError::NotAnOrigin(origin.to_owned())),
                "{origin}"
            );
        }
        assert_eq!(origin_value("null"), Err(CorsError::NullOrigin));
    }

    #[test]
    fn any_origin_never_goes_with_credentials() {
        assert_eq!(
            Cors::any_origin().allow_credentials().check().unwrap_err(),
            CorsError::AnyOriginWithCredentials
        );
        assert!(Cors::any_origin().check().is_ok());
    }
}
