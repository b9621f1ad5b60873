//! The one error type of lambdo and its mapping onto Lambda's `Diagnostic`.

use std::fmt;

use lambda_runtime::Diagnostic;

/// A boxed error as handlers return it (`Result<_, E>` with `E: Into<BoxError>`).
pub type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// Everything that can make an invocation fail.
///
/// Each variant reports a stable `errorType` to Lambda (see [`Error::error_type`]); these
/// strings are part of lambdo's public contract and never derive from Rust type names,
/// so alarms and retry policies can match on them.
///
/// | `errorType`                | when                                                        |
/// |----------------------------|-------------------------------------------------------------|
/// | `Lambdo.InvalidEvent`      | the event is not JSON at all                                |
/// | `Lambdo.EventDecode`       | the event is JSON but does not fit the expected type        |
/// | `Lambdo.UnsupportedEvent`  | no registered source accepts the event                      |
/// | `Lambdo.HandlerError`      | the handler returned an error without its own type          |
/// | *the handler's own type*   | the handler returned a [`FunctionError`]                    |
/// | `Lambdo.HandlerPanic`      | the handler panicked (the process keeps running)            |
/// | `Lambdo.ResponseEncode`    | the handler's value could not be serialized                 |
/// | `Lambdo.ResponseTooLarge`  | the response is over Lambda's 6 MB payload limit            |
///
/// ```
/// use lambdo::{Error, Diagnostic};
///
/// let err = Error::unsupported_event("a JSON array", vec!["http"]);
/// assert_eq!(err.error_type(), "Lambdo.UnsupportedEvent");
/// let diagnostic: Diagnostic = err.into();
/// assert!(diagnostic.error_message.contains("a JSON array"));
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The event is not valid JSON.
    #[error("the event is not valid JSON: {0}")]
    InvalidJson(#[source] serde_json::Error),
    /// The event is JSON of the wrong shape for the type the handler asked for.
    #[error("the event does not match {target}: at `{path}`: {source}")]
    Decode {
        /// What lambdo tried to decode into (a type or event source name).
        target: String,
        /// The JSON path of the value that failed (`.` for the root).
        path: String,
        /// What serde reported at that path.
        #[source]
        source: serde_json::Error,
    },
    /// No registered source accepts the event.
    #[error("no registered source accepts this event: {arrived} arrived, the app handles {registered}")]
    UnsupportedEvent {
        /// A short description of the event that arrived.
        arrived: String,
        /// The sources the app has registered.
        registered: String,
    },
    /// The handler returned an error.
    #[error("{0}")]
    Handler(#[source] BoxError),
    /// The handler panicked; the message is the panic payload.
    #[error("the handler panicked: {0}")]
    Panic(String),
    /// The handler's response could not be serialized.
    #[error("the response could not be serialized: {0}")]
    Encode(#[source] serde_json::Error),
    /// Every record of a batch failed (see `lambdo::batch::BatchOptions::fail_whole_batch`).
    #[error("all {records} records of the batch failed")]
    BatchFailed {
        /// How many records the batch had.
        records: usize,
    },
    /// The response is over Lambda's payload limit.
    #[error("the response is {size} bytes, over Lambda's {limit}-byte response limit")]
    ResponseTooLarge {
        /// Size of the serialized response.
        size: usize,
        /// The limit it exceeded.
        limit: usize,
    },
}

impl Error {
    /// The stable `errorType` Lambda reports for this error.
    ///
    /// ```
    /// let err = lambdo::Error::handler(lambdo::FunctionError::new("OrderRejected", "no stock"));
    /// assert_eq!(err.error_type(), "OrderRejected");
    /// ```
    pub fn error_type(&self) -> &str {
        match self {
            Error::InvalidJson(_) => "Lambdo.InvalidEvent",
            Error::Decode { .. } => "Lambdo.EventDecode",
            Error::UnsupportedEvent { .. } => "Lambdo.UnsupportedEvent",
            Error::Handler(inner) => match inner.downcast_ref::<FunctionError>() {
                Some(own) => own.error_type(),
                None => "Lambdo.HandlerError",
            },
            Error::Panic(_) => "Lambdo.HandlerPanic",
            Error::Encode(_) => "Lambdo.ResponseEncode",
            Error::ResponseTooLarge { .. } => "Lambdo.ResponseTooLarge",
            Error::BatchFailed { .. } => "Lambdo.BatchFailed",
        }
    }

    /// Wraps a handler's error; a boxed `lambdo::Error` is unwrapped rather than nested.
    ///
    /// ```
    /// let err = lambdo::Error::handler("the order has no lines");
    /// assert_eq!(err.error_type(), "Lambdo.HandlerError");
    /// assert_eq!(err.to_string(), "the order has no lines");
    /// ```
    pub fn handler(error: impl Into<BoxError>) -> Self {
        let boxed = error.into();
        match boxed.downcast::<Error>() {
            Ok(own) => *own,
            Err(other) => Error::Handler(other),
        }
    }

    /// An [`Error::UnsupportedEvent`] naming what arrived and what the app handles.
    ///
    /// ```
    /// let err = lambdo::Error::unsupported_event("an S3 notification", vec!["http", "invoke"]);
    /// assert!(err.to_string().contains("http, invoke"));
    /// ```
    pub fn unsupported_event(arrived: impl Into<String>, registered: Vec<&str>) -> Self {
        let registered = if registered.is_empty() {
            "no sources".to_owned()
        } else {
            registered.join(", ")
        };
        Error::UnsupportedEvent {
            arrived: arrived.into(),
            registered,
        }
    }

    /// Decodes `bytes` into `T`, naming the failing JSON path on error.
    ///
    /// Bytes that are UTF-8 (all JSON is) are decoded as text: `serde_json` checks every
    /// string of a byte slice for UTF-8 on its own, which costs more than checking the
    /// whole slice once.
    pub(crate) fn decode<'de, T: serde::Deserialize<'de>>(
        bytes: &'de [u8],
        target: &str,
    ) -> Result<T, Error> {
        match std::str::from_utf8(bytes) {
            Ok(text) => Error::decode_str(text, target),
            Err(_) => Error::decode_from(|| serde_json::de::SliceRead::new(bytes), target),
        }
    }

    /// Decodes `text` into `T`, naming the failing JSON path on error.
    pub(crate) fn decode_str<'de, T: serde::Deserialize<'de>>(
        text: &'de str,
        target: &str,
    ) -> Result<T, Error> {
        Error::decode_from(|| serde_json::de::StrRead::new(text), target)
    }

    /// The path is tracked only on the way to an error: tracking costs about as much
    /// as the decoding itself, so the first pass goes without it and only a failed
    /// decode runs again to find where it failed.
    fn decode_from<'de, R, T>(read: impl Fn() -> R, target: &str) -> Result<T, Error>
    where
        R: serde_json::de::Read<'de>,
        T: serde::Deserialize<'de>,
    {
        let mut de = serde_json::Deserializer::new(read());
        if let Ok(value) = T::deserialize(&mut de).and_then(|value| de.end().map(|()| value)) {
            return Ok(value);
        }
        let mut de = serde_json::Deserializer::new(read());
        let value =
            serde_path_to_error::deserialize(&mut de).map_err(|err| Error::from_path_error(err, target))?;
        de.end().map_err(Error::InvalidJson)?;
        Ok(value)
    }

    fn from_path_error(err: serde_path_to_error::Error<serde_json::Error>, target: &str) -> Error {
        let path = err.path().to_string();
        let source = crate::redact::serde_error(err.into_inner());
        if source.is_syntax() || source.is_eof() {
            Error::InvalidJson(source)
        } else {
            Error::Decode {
                target: target.to_owned(),
                path,
                source,
            }
        }
    }
}

impl From<Error> for Diagnostic {
    fn from(error: Error) -> Self {
        Diagnostic {
            error_type: error.error_type().to_owned(),
            error_message: error.to_string(),
        }
    }
}

/// A handler error that carries its own stable `errorType`.
///
/// Return it (or anything that converts into [`BoxError`] and downcasts to it) from a
/// handler when the invoker should be able to tell this failure apart from others.
///
/// ```
/// use lambdo::{Error, FunctionError};
///
/// let err = Error::handler(FunctionError::new("PaymentDeclined", "card 4242 was declined"));
/// let diagnostic: lambdo::Diagnostic = err.into();
/// assert_eq!(diagnostic.error_type, "PaymentDeclined");
/// assert_eq!(diagnostic.error_message, "card 4242 was declined");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FunctionError {
    error_type: String,
    message: String,
}

impl FunctionError {
    /// An error with the given `errorType` and message.
    pub fn new(error_type: impl Into<String>, message: impl Into<String>) -> Self {
        FunctionError {
            error_type: error_type.into(),
            message: message.into(),
        }
    }

    /// The `errorType` Lambda reports.
    pub fn error_type(&self) -> &str {
        &self.error_type
    }
}

impl fmt::Display for FunctionError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for FunctionError {}

/// The text of a panic payload (`panic!("…")` carries a `&str` or a `String`).
pub(crate) fn panic_message(panic: &(dyn std::any::Any + Send)) -> String {
    if let Some(text) = panic.downcast_ref::<&str>() {
        (*text).to_owned()
    } else if let Some(text) = panic.downcast_ref::<String>() {
        text.clone()
    } else {
        "a panic with a non-string payload".to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, serde::Deserialize)]
    #[allow(dead_code)]
    struct Order {
        lines: Vec<Line>,
    }

    #[derive(Debug, serde::Deserialize)]
    #[allow(dead_code)]
    struct Line {
        sku: String,
        quantity: u32,
    }

    #[test]
    fn decode_names_the_failing_path() {
        let err = Error::decode::<Order>(
            br#"{"lines":[{"sku":"a","quantity":1},{"sku":"b","quantity":-2}]}"#,
            "Order",
        )
        .unwrap_err();
        assert_eq!(err.error_type(), "Lambdo.EventDecode");
        match &err {
            Error::Decode { path, .. } => assert_eq!(path, "lines[1].quantity"),
            other => panic!("unexpected {other:?}"),
        }
        assert!(err.to_string().contains("lines[1].quantity"), "{err}");
    }

    #[test]
    fn syntax_errors_are_not_decode_errors() {
        let err = Error::decode::<Order>(br#"{"lines": [}"#, "Order").unwrap_err();
        assert_eq!(err.error_type(), "Lambdo.InvalidEvent");
        let err = Error::decode::<Order>(br#"{"lines": []} trailing"#, "Order").unwrap_err();
        assert_eq!(err.error_type(), "Lambdo.InvalidEvent");
    }

    /// Bytes that are not UTF-8 are read as bytes: a string with a stray byte is
    /// invalid JSON, and a path error still names its path.
    #[test]
    fn bytes_that_are_not_utf8_decode_as_bytes() {
        let err =
            Error::decode::<Order>(b"{\"lines\":[{\"sku\":\"\xff\",\"quantity\":1}]}", "Order").unwrap_err();
        assert_eq!(err.error_type(), "Lambdo.InvalidEvent");
        let err = Error::decode::<Order>(b"{\"lines\":[{\"sku\":1}]}\xff", "Order").unwrap_err();
        match &err {
            Error::Decode { path, .. } => assert_eq!(path, "lines[0].sku"),
            other => panic!("unexpected {other:?}"),
        }
        let order = Error::decode_str::<Order>(r#"{"lines":[{"sku":"é","quantity":1}]}"#, "Order").unwrap();
        assert_eq!(order.lines[0].sku, "é");
    }

    #[test]
    fn nested_lambdo_errors_keep_their_type() {
        let inner = Error::Panic("boom".into());
        let err = Error::handler(inner);
        assert_eq!(err.error_type(), "Lambdo.HandlerPanic");
    }
}
