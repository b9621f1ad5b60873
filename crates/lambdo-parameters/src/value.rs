//! A fetched value, read as text, bytes or JSON.

use std::{collections::BTreeMap, sync::Arc};

use base64::Engine;
use serde::de::DeserializeOwned;

use crate::ParameterError;

/// What a provider fetched.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Fetched {
    /// A text value (an SSM parameter, a secret string, a DynamoDB string).
    Text(String),
    /// A binary value (a binary secret, a DynamoDB binary).
    Binary(Vec<u8>),
    /// Several values by name (an SSM path, a DynamoDB partition).
    Values(BTreeMap<String, String>),
}

/// One cached value, as a handler reads it.
///
/// ```
/// use lambdo_parameters::{Fetched, Value};
///
/// let value = Value::new("/app/limits", std::sync::Arc::new(Fetched::Text(r#"{"max": 3}"#.into())));
/// let limits: serde_json::Value = value.json().unwrap();
/// assert_eq!(limits["max"], 3);
/// assert!(value.bytes().is_err(), "not base64");
/// ```
#[derive(Debug, Clone)]
pub struct Value {
    name: String,
    fetched: Arc<Fetched>,
}

impl Value {
    /// The value `fetched` for `name`.
    pub fn new(name: &str, fetched: Arc<Fetched>) -> Self {
        Value {
            name: name.to_owned(),
            fetched,
        }
    }

    /// What was fetched.
    pub fn fetched(&self) -> &Fetched {
        &self.fetched
    }

    /// The value as text; a binary value must be UTF-8.
    pub fn text(&self) -> Result<&str, ParameterError> {
        match &*self.fetched {
            Fetched::Text(text) => Ok(text),
            Fetched::Binary(bytes) => {
                std::str::from_utf8(bytes).map_err(|_| self.bad("text", "binary, not UTF-8"))
            }
            Fetched::Values(_) => Err(self.bad("text", "several values")),
        }
    }

    /// The value as bytes: a binary value as it is, text decoded from base64.
    pub fn bytes(&self) -> Result<Vec<u8>, ParameterError> {
        match &*self.fetched {
            Fetched::Binary(bytes) => Ok(bytes.clone()),
            Fetched::Text(text) => base64::engine::general_purpose::STANDARD
                .decode(text.trim())
                .map_err(|_| self.bad("base64", "not base64 text")),
            Fetched::Values(_) => Err(self.bad("base64", "several values")),
        }
    }

    /// The value decoded from JSON into `T`. The error names the JSON path and the kind
    /// of value, never the value (it may be a secret).
    pub fn json<T: DeserializeOwned>(&self) -> Result<T, ParameterError> {
        let text = self.text()?;
        let mut deserializer = serde_json::Deserializer::from_str(text);
        serde_path_to_error::deserialize(&mut deserializer).map_err(|error| {
            let path = error.path().to_string();
            let error = lambdo::redact::serde_error(error.into_inner());
            self.bad("JSON of its type", &format!("at `{path}`: {error}"))
        })
    }

    /// Several values by name (a path's, a partition's).
    pub fn values(&self) -> Result<&BTreeMap<String, String>, ParameterError> {
        match &*self.fetched {
            Fetched::Values(values) => Ok(values),
            _ => Err(self.bad("several values", "one value")),
        }
    }

    fn bad(&self, expected: &'static str, why: &str) -> ParameterError {
        ParameterError::BadValue {
            name: self.name.clone(),
            expected,
            why: why.to_owned(),
        }
    }
}
