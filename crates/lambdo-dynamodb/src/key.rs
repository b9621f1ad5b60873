//! Idempotency keys: from an HTTP `Idempotency-Key` header, or from the fields of a
//! payload that make it unique.

use std::fmt;

#[cfg(feature = "http")]
use axum::extract::{FromRequestParts, OptionalFromRequestParts};
#[cfg(feature = "http")]
use http::request::Parts;
#[cfg(feature = "http")]
use lambdo::http::Problem;
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::IdempotencyError;

/// The longest `Idempotency-Key` header value accepted, in bytes.
pub const MAX_HEADER_KEY_LEN: usize = 255;

/// The key an [`Idempotency`](crate::Idempotency) record is stored under.
///
/// As an axum extractor it reads the `Idempotency-Key` request header and scopes it to
/// the request's method and path, so one key sent to two endpoints names two records.
/// The value is 1 to 255 visible ASCII characters, bare (`abc-123`) or as a structured
/// header string (`"abc-123"`); anything else is a 400 problem response. A route that
/// requires the header takes `IdempotencyKey` (no header is a 400); one where it is
/// optional takes `Option<IdempotencyKey>`.
///
/// ```
/// use lambdo_dynamodb::IdempotencyKey;
///
/// async fn pay(key: IdempotencyKey) -> String {
///     format!("stored under {key}")
/// }
/// let _router: axum::Router = axum::Router::new().route("/payments", axum::routing::post(pay));
/// ```
///
/// [`IdempotencyKey::from_fields`] makes one from a payload instead, for clients that
/// send no header and for batch records.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct IdempotencyKey(String);

impl IdempotencyKey {
    /// The request header the extractor reads.
    pub const HEADER: &'static str = "idempotency-key";

    /// A key made of `scope` and a SHA-256 of the payload's fields at `pointers` (JSON
    /// pointers, RFC 6901: `/order/id`): two payloads that agree on those fields get
    /// the same key. A field that is missing or `null` is
    /// [`IdempotencyError::MissingKey`] naming its pointer.
    ///
    /// ```
    /// use lambdo_dynamodb::IdempotencyKey;
    /// use serde_json::json;
    ///
    /// let first = json!({"order": {"id": "o-1"}, "cents": 500, "note": "first try"});
    /// let again = json!({"order": {"id": "o-1"}, "cents": 500, "note": "second try"});
    /// let key = IdempotencyKey::from_fields("charge", &first, &["/order/id", "/cents"]).unwrap();
    /// assert_eq!(key, IdempotencyKey::from_fields("charge", &again, &["/order/id", "/cents"]).unwrap());
    /// assert!(key.as_str().starts_with("charge#"));
    ///
    /// let missing = IdempotencyKey::from_fields("charge", &first, &["/customer"]);
    /// assert!(missing.is_err());
    /// ```
    pub fn from_fields(
        scope: &str,
        payload: &impl Serialize,
        pointers: &[&str],
    ) -> Result<Self, IdempotencyError> {
        let payload = serde_json::to_value(payload)?;
        let mut fields = Vec::with_capacity(pointers.len());
        for &pointer in pointers {
            match payload.pointer(pointer) {
                Some(value) if !value.is_null() => fields.push(value),
                _ => return Err(IdempotencyError::MissingKey(pointer.to_owned())),
            }
        }
        let digest = hex_sha256(&serde_json::to_vec(&fields)?);
        Ok(IdempotencyKey(format!("{scope}#{digest}")))
    }

    /// A key made of `scope` and a value that is unique already (a message id, an order
    /// number): `orders#<message id>`.
    ///
    /// ```
    /// let key = lambdo_dynamodb::IdempotencyKey::new("orders", "059f36b4-87a3-44ab-83d2-661975830a7d");
    /// assert_eq!(key.as_str(), "orders#059f36b4-87a3-44ab-83d2-661975830a7d");
    /// ```
    pub fn new(scope: &str, unique: &str) -> Self {
        IdempotencyKey(format!("{scope}#{unique}"))
    }

    /// The key as stored.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The header's value, checked, scoped to the request's method and path.
    #[cfg(feature = "http")]
    fn from_header(parts: &Parts) -> Result<Option<Self>, Problem> {
        let Some(value) = parts.headers.get(Self::HEADER) else {
            return Ok(None);
        };
        let bytes = value.as_bytes();
        let bytes = match bytes {
            [b'"', inner @ .., b'"'] => inner,
            _ => bytes,
        };
        let visible = |byte: &u8| (0x21..=0x7e).contains(byte) && *byte != b'"';
        if bytes.is_empty() || bytes.len() > MAX_HEADER_KEY_LEN || !bytes.iter().all(visible) {
            return Err(Problem::bad_request(format!(
                "the Idempotency-Key header must be 1 to {MAX_HEADER_KEY_LEN} visible ASCII characters"
            ))
            .with_extension("header", "Idempotency-Key"));
        }
        // Checked above: visible ASCII.
        let key = std::str::from_utf8(bytes).unwrap_or_default();
        Ok(Some(IdempotencyKey(format!(
            "{} {}#{key}",
            parts.method,
            parts.uri.path()
        ))))
    }
}

impl fmt::Display for IdempotencyKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl AsRef<str> for IdempotencyKey {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

#[cfg(feature = "http")]
impl<S: Send + Sync> FromRequestParts<S> for IdempotencyKey {
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        Self::from_header(parts)?.ok_or_else(|| {
            Problem::bad_request("this request needs an Idempotency-Key header")
                .with_extension("header", "Idempotency-Key")
        })
    }
}

#[cfg(feature = "http")]
impl<S: Send + Sync> OptionalFromRequestParts<S> for IdempotencyKey {
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Option<Self>, Self::Rejection> {
        Self::from_header(parts)
    }
}

/// Lowercase hex of the SHA-256 of `bytes`.
pub(crate) fn hex_sha256(bytes: &[u8]) -> String {
    let digest = Sha256::digest(bytes);
    let mut hex = String::with_capacity(digest.len() * 2);
    for byte in digest {
        hex.push(char::from_digit(u32::from(byte >> 4), 16).unwrap_or('0'));
        hex.push(char::from_digit(u32::from(byte & 0xf), 16).unwrap_or('0'));
    }
    hex
}

#[cfg(test)]
mod tests {
    use serde_json::Value;

    use super::*;

    fn parts(method: &str, path: &str, key: Option<&str>) -> Parts {
        let mut request = http::Request::builder().method(method).uri(path);
        if let Some(key) = key {
            request = request.header(
                "Idempotency-Key",
                http::HeaderValue::from_bytes(key.as_bytes()).unwrap(),
            );
        }
        request.body(()).unwrap().into_parts().0
    }

    #[test]
    fn header_keys_are_scoped_to_method_and_path() {
        let key = IdempotencyKey::from_header(&parts("POST", "/todos", Some("abc-1"))).unwrap();
        assert_eq!(key.unwrap().as_str(), "POST /todos#abc-1");
        let quoted = IdempotencyKey::from_header(&parts("POST", "/todos?x=1", Some("\"abc-1\""))).unwrap();
        assert_eq!(quoted.unwrap().as_str(), "POST /todos#abc-1");
        assert_eq!(
            IdempotencyKey::from_header(&parts("POST", "/todos", None)).unwrap(),
            None
        );
    }

    #[test]
    fn malformed_header_keys_are_bad_requests() {
        let long = "k".repeat(MAX_HEADER_KEY_LEN + 1);
        for bad in ["", "\"\"", "two words", long.as_str(), "é"] {
            let problem = IdempotencyKey::from_header(&parts("POST", "/todos", Some(bad))).unwrap_err();
            assert_eq!(problem.status(), 400, "{bad:?}");
        }
        let longest = "k".repeat(MAX_HEADER_KEY_LEN);
        assert!(IdempotencyKey::from_header(&parts("POST", "/", Some(&longest))).is_ok());
    }

    #[test]
    fn field_keys_hash_the_selected_fields_only() {
        let a = serde_json::json!({"id": "o-1", "cents": 5, "note": "x"});
        let b = serde_json::json!({"id": "o-1", "cents": 5, "note": "y"});
        let c = serde_json::json!({"id": "o-1", "cents": 6, "note": "x"});
        let key = |payload: &Value| IdempotencyKey::from_fields("s", payload, &["/id", "/cents"]).unwrap();
        assert_eq!(key(&a), key(&b));
        assert_ne!(key(&a), key(&c));
        assert_eq!(key(&a).as_str().len(), "s#".len() + 64);
        let null = serde_json::json!({"id": null});
        assert!(matches!(
            IdempotencyKey::from_fields("s", &null, &["/id"]),
            Err(IdempotencyError::MissingKey(pointer)) if pointer == "/id"
        ));
    }

    #[test]
    fn hex_is_the_usual_digest_spelling() {
        assert_eq!(
            hex_sha256(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
