//! # lambdo-parameters
//!
//! Configuration and secrets for lambdo functions, fetched once and cached: SSM
//! Parameter Store ([`Ssm`]), Secrets Manager ([`SecretsManager`]) and a DynamoDB table
//! of parameters ([`DynamoDbParameters`]), each behind [`Parameters`], which keeps every
//! value for a time to live (5 s unless told otherwise, per provider or per call) and
//! makes at most one request per key at a time: concurrent invocations that want a
//! value being fetched wait for that request (no thundering herd when a hundred
//! invocations start cold on Lambda Managed Instances).
//!
//! Build the providers once at cold start and keep them in the app's state; clones
//! share the cache.
//!
//! ```no_run
//! use lambdo::{App, State};
//! use lambdo_parameters::{Parameters, SecretsManager, Ssm};
//!
//! #[derive(Clone)]
//! struct AppState {
//!     settings: Parameters<Ssm>,
//!     secrets: Parameters<SecretsManager>,
//! }
//!
//! #[derive(serde::Deserialize)]
//! struct Limits { max_items: u32 }
//!
//! async fn handle(State(state): State<AppState>, lambdo::Json(_event): lambdo::Json<serde_json::Value>) -> Result<u32, lambdo::FunctionError> {
//!     let limits: Limits = state.settings.get_json("/shop/limits").await?;
//!     let _api_key = state.secrets.get("shop/payment-api-key").await?;
//!     Ok(limits.max_items)
//! }
//!
//! # async fn example() -> Result<(), lambdo::BoxError> {
//! let config = aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await;
//! let state = AppState {
//!     settings: Parameters::new(Ssm::new(&config)),
//!     secrets: Parameters::new(SecretsManager::new(&config)).max_age(std::time::Duration::from_secs(300)),
//! };
//! App::new(state).invoke(handle).run().await
//! # }
//! ```
//!
//! Values come as text, bytes (binary values as they are, text decoded from base64) or
//! any `T: DeserializeOwned` from JSON; errors are typed ([`ParameterError`]) with a
//! stable `errorType` each, and never quote a value.
//!
//! AppConfig is not here: its data plane (`appconfigdata`) has no implementation this
//! project can test against.
//!
//! ## Cargo features
//!
//! | feature | default | what |
//! |---|---|---|
//! | `ssm` | yes | [`Ssm`]: SSM Parameter Store |
//! | `secrets-manager` | yes | [`SecretsManager`] |
//! | `dynamodb` | yes | [`DynamoDbParameters`] |

#![cfg_attr(docsrs, feature(doc_cfg))]

mod cache;
#[cfg(feature = "dynamodb")]
mod dynamodb;
mod error;
#[cfg(feature = "secrets-manager")]
mod secrets;
#[cfg(feature = "ssm")]
mod ssm;
mod value;

use std::{future::Future, sync::Arc, time::Duration};

use serde::de::DeserializeOwned;

use cache::Cache;
#[cfg(feature = "dynamodb")]
pub use dynamodb::DynamoDbParameters;
pub use error::ParameterError;
#[cfg(feature = "secrets-manager")]
pub use secrets::SecretsManager;
#[cfg(feature = "ssm")]
pub use ssm::Ssm;
pub use value::{Fetched, Value};

/// How long a value is kept unless told otherwise.
pub const DEFAULT_MAX_AGE: Duration = Duration::from_secs(5);

/// Where values come from: one value by name. Implement it for a store lambdo does not
/// ship, and wrap it in [`Parameters`] for the cache.
///
/// ```
/// use lambdo_parameters::{Fetched, ParameterError, Parameters, Provider};
///
/// struct Fixed;
///
/// impl Provider for Fixed {
///     async fn fetch(&self, name: &str) -> Result<Fetched, ParameterError> {
///         Ok(Fetched::Text(format!("value of {name}")))
///     }
/// }
///
/// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
/// let parameters = Parameters::new(Fixed);
/// assert_eq!(parameters.get("a").await.unwrap(), "value of a");
/// # });
/// ```
pub trait Provider: Send + Sync + 'static {
    /// The value named `name`, from the store.
    fn fetch(&self, name: &str) -> impl Future<Output = Result<Fetched, ParameterError>> + Send;
}

/// How one call uses the cache.
///
/// ```
/// use std::time::Duration;
/// let options = lambdo_parameters::Options::new().max_age(Duration::from_secs(60));
/// let refresh = lambdo_parameters::Options::new().force_fetch();
/// # let _ = (options, refresh);
/// ```
#[derive(Debug, Clone, Copy, Default)]
pub struct Options {
    max_age: Option<Duration>,
    force: bool,
}

impl Options {
    /// The provider's time to live, from the cache when fresh.
    pub fn new() -> Self {
        Options::default()
    }

    /// A value older than `max_age` is fetched again (for this call).
    pub fn max_age(mut self, max_age: Duration) -> Self {
        self.max_age = Some(max_age);
        self
    }

    /// Fetches whatever the cache holds (and keeps what comes).
    pub fn force_fetch(mut self) -> Self {
        self.force = true;
        self
    }
}

/// A [`Provider`] with a cache: what handlers use. Clones share the cache.
pub struct Parameters<P> {
    provider: Arc<P>,
    cache: Arc<Cache>,
    max_age: Duration,
}

impl<P> Clone for Parameters<P> {
    fn clone(&self) -> Self {
        Parameters {
            provider: Arc::clone(&self.provider),
            cache: Arc::clone(&self.cache),
            max_age: self.max_age,
        }
    }
}

impl<P> std::fmt::Debug for Parameters<P> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Parameters")
            .field("provider", &std::any::type_name::<P>())
            .field("max_age", &self.max_age)
            .finish()
    }
}

impl<P: Provider> Parameters<P> {
    /// `provider`'s values, each kept for [`DEFAULT_MAX_AGE`].
    pub fn new(provider: P) -> Self {
        Parameters {
            provider: Arc::new(provider),
            cache: Arc::new(Cache::default()),
            max_age: DEFAULT_MAX_AGE,
        }
    }

    /// Keeps values for `max_age` (unless a call says otherwise).
    pub fn max_age(mut self, max_age: Duration) -> Self {
        self.max_age = max_age;
        self
    }

    /// The provider.
    pub fn provider(&self) -> &P {
        &self.provider
    }

    /// The value `name` as text.
    pub async fn get(&self, name: &str) -> Result<String, ParameterError> {
        Ok(self.fetch(name, Options::new()).await?.text()?.to_owned())
    }

    /// The value `name` as bytes: a binary value as it is, text decoded from base64.
    pub async fn get_bytes(&self, name: &str) -> Result<Vec<u8>, ParameterError> {
        self.fetch(name, Options::new()).await?.bytes()
    }

    /// The value `name` decoded from JSON into `T`.
    pub async fn get_json<T: DeserializeOwned>(&self, name: &str) -> Result<T, ParameterError> {
        self.fetch(name, Options::new()).await?.json()
    }

    /// The value `name` as `options` say to use the cache, to read as any kind.
    pub async fn fetch(&self, name: &str, options: Options) -> Result<Value, ParameterError> {
        let provider = Arc::clone(&self.provider);
        self.cached(name, name, options, || async move { provider.fetch(name).await })
            .await
    }

    /// Forgets every cached value.
    pub fn clear_cache(&self) {
        self.cache.clear();
    }

    /// What the cache holds under `key` (the value of `name`), or what `fetch` gets.
    pub(crate) async fn cached<F, Fut>(
        &self,
        key: &str,
        name: &str,
        options: Options,
        fetch: F,
    ) -> Result<Value, ParameterError>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<Fetched, ParameterError>>,
    {
        let max_age = options.max_age.unwrap_or(self.max_age);
        let fetched = self.cache.get(key, max_age, options.force, fetch).await?;
        Ok(Value::new(name, fetched))
    }
}

#[cfg(any(feature = "ssm", feature = "dynamodb"))]
/// Cache keys of values that are not one parameter (a path, a set, a partition): none
/// can collide with a parameter's name, which has no NUL in it.
pub(crate) fn group_key(kind: &str, names: &[&str]) -> String {
    let mut key = format!("\0{kind}");
    for name in names {
        key.push('\0');
        key.push_str(name);
    }
    key
}
