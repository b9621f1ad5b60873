//! Secrets Manager: string and binary secrets.

use crate::{error::from_sdk, Fetched, ParameterError, Provider};

/// Secrets Manager: a secret's current value (`AWSCURRENT`), its string or its binary.
/// `AWS_ENDPOINT_URL` / `AWS_ENDPOINT_URL_SECRETS_MANAGER` point it elsewhere.
///
/// ```no_run
/// # async fn example() -> Result<(), lambdo_parameters::ParameterError> {
/// use lambdo_parameters::{Parameters, SecretsManager};
///
/// #[derive(serde::Deserialize)]
/// struct Database { username: String, password: String }
///
/// let config = aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await;
/// let secrets = Parameters::new(SecretsManager::new(&config)).max_age(std::time::Duration::from_secs(300));
/// let database: Database = secrets.get_json("shop/database").await?;
/// # let _ = database;
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct SecretsManager {
    client: aws_sdk_secretsmanager::Client,
}

impl SecretsManager {
    /// A provider with a client of `config`.
    pub fn new(config: &aws_config::SdkConfig) -> Self {
        SecretsManager::from_client(aws_sdk_secretsmanager::Client::new(config))
    }

    /// A provider with `client`.
    pub fn from_client(client: aws_sdk_secretsmanager::Client) -> Self {
        SecretsManager { client }
    }
}

impl Provider for SecretsManager {
    async fn fetch(&self, name: &str) -> Result<Fetched, ParameterError> {
        let output = self
            .client
            .get_secret_value()
            .secret_id(name)
            .send()
            .await
            .map_err(|error| from_sdk(name, error))?;
        match (output.secret_string, output.secret_binary) {
            (Some(text), _) => Ok(Fetched::Text(text)),
            (None, Some(binary)) => Ok(Fetched::Binary(binary.into_inner())),
            (None, None) => Err(ParameterError::NotFound(name.to_owned())),
        }
    }
}
