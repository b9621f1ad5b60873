//! A DynamoDB table of parameters.

use std::collections::{BTreeMap, HashMap};

use aws_sdk_dynamodb::types::AttributeValue;

use crate::{error::from_sdk, group_key, Fetched, Options, ParameterError, Parameters, Provider};

/// Parameters as items of a DynamoDB table: one by its partition key (`id`), or all of
/// a partition by their sort key (`sk`), the value in `value` (a string or a binary).
/// The attribute names can be changed. `AWS_ENDPOINT_URL_DYNAMODB` points it elsewhere.
///
/// ```no_run
/// # async fn example() -> Result<(), lambdo_parameters::ParameterError> {
/// use lambdo_parameters::{DynamoDbParameters, Parameters};
///
/// let config = aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await;
/// let parameters = Parameters::new(DynamoDbParameters::new(&config, "shop-parameters"));
/// let banner = parameters.get("banner").await?;
/// let flags = parameters.get_partition("feature-flags").await?; // sk → value
/// # let _ = (banner, flags);
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct DynamoDbParameters {
    client: aws_sdk_dynamodb::Client,
    table: String,
    key: String,
    sort_key: String,
    value: String,
}

impl DynamoDbParameters {
    /// The parameters in `table`, with a client of `config`.
    pub fn new(config: &aws_config::SdkConfig, table: &str) -> Self {
        DynamoDbParameters::from_client(aws_sdk_dynamodb::Client::new(config), table)
    }

    /// The parameters in `table`, with `client`.
    pub fn from_client(client: aws_sdk_dynamodb::Client, table: &str) -> Self {
        DynamoDbParameters {
            client,
            table: table.to_owned(),
            key: "id".to_owned(),
            sort_key: "sk".to_owned(),
            value: "value".to_owned(),
        }
    }

    /// The partition key's name (default `id`).
    pub fn key_attribute(mut self, name: &str) -> Self {
        self.key = name.to_owned();
        self
    }

    /// The sort key's name, for [`Parameters::get_partition`] (default `sk`).
    pub fn sort_key_attribute(mut self, name: &str) -> Self {
        self.sort_key = name.to_owned();
        self
    }

    /// The value's attribute (default `value`).
    pub fn value_attribute(mut self, name: &str) -> Self {
        self.value = name.to_owned();
        self
    }

    fn value_of(
        &self,
        name: &str,
        mut item: HashMap<String, AttributeValue>,
    ) -> Result<Fetched, ParameterError> {
        match item.remove(&self.value) {
            Some(AttributeValue::S(text)) => Ok(Fetched::Text(text)),
            Some(AttributeValue::B(bytes)) => Ok(Fetched::Binary(bytes.into_inner())),
            Some(_) => Err(ParameterError::BadValue {
                name: name.to_owned(),
                expected: "a string or a binary",
                why: format!("`{}` is of another DynamoDB type", self.value),
            }),
            None => Err(ParameterError::NotFound(name.to_owned())),
        }
    }
}

impl Provider for DynamoDbParameters {
    async fn fetch(&self, name: &str) -> Result<Fetched, ParameterError> {
        let output = self
            .client
            .get_item()
            .table_name(&self.table)
            .key(&self.key, AttributeValue::S(name.to_owned()))
            .send()
            .await
            .map_err(|error| from_sdk(name, error))?;
        let item = output
            .item
            .ok_or_else(|| ParameterError::NotFound(name.to_owned()))?;
        self.value_of(name, item)
    }
}

impl Parameters<DynamoDbParameters> {
    /// Every item of the partition `partition`, by sort key, cached as one value.
    pub async fn get_partition(&self, partition: &str) -> Result<BTreeMap<String, String>, ParameterError> {
        self.get_partition_with(partition, Options::new()).await
    }

    /// [`Parameters::get_partition`], using the cache as `options` say.
    pub async fn get_partition_with(
        &self,
        partition: &str,
        options: Options,
    ) -> Result<BTreeMap<String, String>, ParameterError> {
        let table = self.provider();
        let fetch = || async {
            let mut values = BTreeMap::new();
            let mut pages = table
                .client
                .query()
                .table_name(&table.table)
                .key_condition_expression("#key = :partition")
                .expression_attribute_names("#key", &table.key)
                .expression_attribute_values(":partition", AttributeValue::S(partition.to_owned()))
                .into_paginator()
                .send();
            while let Some(page) = pages.next().await {
                let page = page.map_err(|error| from_sdk(partition, error))?;
                for mut item in page.items.unwrap_or_default() {
                    let Some(AttributeValue::S(sort_key)) = item.remove(&table.sort_key) else {
                        continue;
                    };
                    if let Fetched::Text(value) = table.value_of(partition, item)? {
                        values.insert(sort_key, value);
                    }
                }
            }
            Ok(Fetched::Values(values))
        };
        let value = self
            .cached(&group_key("partition", &[partition]), partition, options, fetch)
            .await?;
        value.values().cloned()
    }
}
