//! What fetching a parameter can fail with, by what the caller can do about it.

/// A parameter that could not be had.
///
/// Each kind has a stable `errorType` ([`ParameterError::error_type`]) for the
/// invocation's error, through [`lambdo::FunctionError`]:
///
/// ```
/// let error = lambdo_parameters::ParameterError::NotFound("/app/db-url".into());
/// assert_eq!(error.error_type(), "Parameters.NotFound");
/// let function_error: lambdo::FunctionError = error.into();
/// # let _ = function_error;
/// ```
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum ParameterError {
    /// No parameter (or secret, or item) of that name.
    #[error("the parameter {0} does not exist")]
    NotFound(String),
    /// The function's role may not read it (or decrypt it).
    #[error("access to the parameter is denied: {0}")]
    AccessDenied(String),
    /// Still throttled after the SDK's retries.
    #[error("throttled: {0}")]
    Throttled(String),
    /// The value is there but is not what it was asked as (not JSON of the type, not
    /// base64, not text). The message names the parameter and the kind of problem,
    /// never the value.
    #[error("the parameter {name} is not {expected}: {why}")]
    BadValue {
        /// The parameter.
        name: String,
        /// What it was asked as: `JSON`, `base64`, `text`.
        expected: &'static str,
        /// Why not, without the value (see `lambdo::redact`).
        why: String,
    },
    /// Anything else the service or the network reported.
    #[error("the parameter service failed: {0}")]
    Service(String),
}

impl ParameterError {
    /// The stable `errorType` of this kind of failure.
    pub fn error_type(&self) -> &'static str {
        match self {
            ParameterError::NotFound(_) => "Parameters.NotFound",
            ParameterError::AccessDenied(_) => "Parameters.AccessDenied",
            ParameterError::Throttled(_) => "Parameters.Throttled",
            ParameterError::BadValue { .. } => "Parameters.BadValue",
            ParameterError::Service(_) => "Parameters.ServiceError",
        }
    }

    /// Sorts an SDK error by its code; `name` is what was asked for.
    #[cfg(any(feature = "ssm", feature = "secrets-manager", feature = "dynamodb"))]
    pub(crate) fn from_service(name: &str, code: Option<&str>, message: String) -> Self {
        match code {
            Some("ParameterNotFound" | "ParameterVersionNotFound" | "ResourceNotFoundException") => {
                ParameterError::NotFound(name.to_owned())
            }
            Some("AccessDeniedException" | "AccessDenied" | "UnrecognizedClientException") => {
                ParameterError::AccessDenied(message)
            }
            Some(
                "ThrottlingException"
                | "TooManyUpdates"
                | "ProvisionedThroughputExceededException"
                | "RequestLimitExceeded",
            ) => ParameterError::Throttled(message),
            _ => ParameterError::Service(message),
        }
    }
}

impl From<ParameterError> for lambdo::FunctionError {
    fn from(error: ParameterError) -> Self {
        lambdo::FunctionError::new(error.error_type(), error.to_string())
    }
}

/// An AWS SDK error as a parameter error; `name` is what was asked for.
#[cfg(any(feature = "ssm", feature = "secrets-manager", feature = "dynamodb"))]
pub(crate) fn from_sdk<E, R>(
    name: &str,
    error: aws_smithy_runtime_api::client::result::SdkError<E, R>,
) -> ParameterError
where
    E: aws_smithy_types::error::metadata::ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    R: std::fmt::Debug,
{
    use aws_smithy_types::error::metadata::ProvideErrorMetadata;
    let message = error
        .message()
        .map(str::to_owned)
        .unwrap_or_else(|| aws_smithy_types::error::display::DisplayErrorContext(&error).to_string());
    ParameterError::from_service(name, error.code(), message)
}
