//! SSM Parameter Store: one parameter, several, or every one under a path.

use std::collections::BTreeMap;

use crate::{error::from_sdk, group_key, Fetched, Options, ParameterError, Parameters, Provider};

/// SSM Parameter Store, SecureStrings decrypted (the function's role needs `kms:Decrypt`
/// on their key). `AWS_ENDPOINT_URL` / `AWS_ENDPOINT_URL_SSM` point it elsewhere.
///
/// ```no_run
/// # async fn example() -> Result<(), lambdo_parameters::ParameterError> {
/// use lambdo_parameters::{Parameters, Ssm};
///
/// let config = aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await;
/// let parameters = Parameters::new(Ssm::new(&config));
/// let url = parameters.get("/shop/db-url").await?;
/// let all = parameters.get_by_path("/shop/").await?; // names relative to the path
/// # let _ = (url, all);
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct Ssm {
    client: aws_sdk_ssm::Client,
}

impl Ssm {
    /// A provider with a client of `config`.
    pub fn new(config: &aws_config::SdkConfig) -> Self {
        Ssm::from_client(aws_sdk_ssm::Client::new(config))
    }

    /// A provider with `client`.
    pub fn from_client(client: aws_sdk_ssm::Client) -> Self {
        Ssm { client }
    }
}

impl Provider for Ssm {
    async fn fetch(&self, name: &str) -> Result<Fetched, ParameterError> {
        let output = self
            .client
            .get_parameter()
            .name(name)
            .with_decryption(true)
            .send()
            .await
            .map_err(|error| from_sdk(name, error))?;
        let value = output.parameter.and_then(|parameter| parameter.value);
        value
            .map(Fetched::Text)
            .ok_or_else(|| ParameterError::NotFound(name.to_owned()))
    }
}

/// What `GetParameters` takes at once.
const AT_ONCE: usize = 10;

impl Parameters<Ssm> {
    /// Every parameter under `path`, recursively, by its name relative to the path
    /// (`/shop/db/url` under `/shop/` is `db/url`), cached as one value.
    pub async fn get_by_path(&self, path: &str) -> Result<BTreeMap<String, String>, ParameterError> {
        self.get_by_path_with(path, Options::new()).await
    }

    /// [`Parameters::get_by_path`], using the cache as `options` say.
    pub async fn get_by_path_with(
        &self,
        path: &str,
        options: Options,
    ) -> Result<BTreeMap<String, String>, ParameterError> {
        let client = &self.provider().client;
        let prefix = if path.ends_with('/') {
            path.to_owned()
        } else {
            format!("{path}/")
        };
        let fetch = || async {
            let mut values = BTreeMap::new();
            let mut pages = client
                .get_parameters_by_path()
                .path(path)
                .recursive(true)
                .with_decryption(true)
                .into_paginator()
                .send();
            while let Some(page) = pages.next().await {
                let page = page.map_err(|error| from_sdk(path, error))?;
                for parameter in page.parameters.unwrap_or_default() {
                    if let (Some(name), Some(value)) = (parameter.name, parameter.value) {
                        let relative = name.strip_prefix(&prefix).unwrap_or(&name).to_owned();
                        values.insert(relative, value);
                    }
                }
            }
            Ok(Fetched::Values(values))
        };
        let value = self
            .cached(&group_key("path", &[path]), path, options, fetch)
            .await?;
        value.values().cloned()
    }

    /// The parameters `names`, by name, in as few requests as SSM allows; one that does
    /// not exist fails the whole call, naming it.
    pub async fn get_multiple(&self, names: &[&str]) -> Result<BTreeMap<String, String>, ParameterError> {
        let client = &self.provider().client;
        let fetch = || async {
            let mut values = BTreeMap::new();
            for chunk in names.chunks(AT_ONCE) {
                let output = client
                    .get_parameters()
                    .set_names(Some(chunk.iter().map(|name| (*name).to_owned()).collect()))
                    .with_decryption(true)
                    .send()
                    .await
                    .map_err(|error| from_sdk(chunk[0], error))?;
                if let Some(missing) = output.invalid_parameters.unwrap_or_default().into_iter().next() {
                    return Err(ParameterError::NotFound(missing));
                }
                for parameter in output.parameters.unwrap_or_default() {
                    if let (Some(name), Some(value)) = (parameter.name, parameter.value) {
                        values.insert(name, value);
                    }
                }
            }
            Ok(Fetched::Values(values))
        };
        let value = self
            .cached(
                &group_key("names", names),
                names.first().copied().unwrap_or(""),
                Options::new(),
                fetch,
            )
            .await?;
        value.values().cloned()
    }
}
