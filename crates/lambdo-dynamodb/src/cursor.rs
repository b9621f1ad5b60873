//! Page cursors: DynamoDB's `LastEvaluatedKey`, opaque to clients and signed, so that a
//! cursor changed by hand, or issued by another table or query, is refused instead of
//! starting a read at an arbitrary key.

use std::collections::HashMap;

use aws_sdk_dynamodb::types::AttributeValue;
use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine};
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

use crate::TableError;

type Signer = Hmac<Sha256>;

const TAG_LEN: usize = 32;

/// Signs and checks the cursors of one table.
#[derive(Clone)]
pub(crate) struct Cursors {
    secret: std::sync::Arc<[u8]>,
}

impl std::fmt::Debug for Cursors {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Cursors { secret: <hidden> }")
    }
}

impl Cursors {
    pub(crate) fn new(secret: &[u8]) -> Self {
        Cursors {
            secret: secret.into(),
        }
    }

    fn signer(&self, scope: &str) -> Signer {
        let mut signer = Signer::new_from_slice(&self.secret).expect("HMAC takes keys of any length");
        // The scope (table and query) is signed with the key: a cursor only resumes the
        // listing it came from.
        signer.update(scope.as_bytes());
        signer.update(&[0]);
        signer
    }

    /// The cursor for `last_key` within `scope`.
    pub(crate) fn issue(
        &self,
        scope: &str,
        last_key: HashMap<String, AttributeValue>,
    ) -> Result<String, TableError> {
        let item: serde_dynamo::Item = last_key.into();
        let json = serde_json::to_vec(&item).map_err(|err| TableError::Service(err.to_string()))?;
        let mut signer = self.signer(scope);
        signer.update(&json);
        let mut bytes = signer.finalize().into_bytes().to_vec();
        bytes.extend_from_slice(&json);
        Ok(URL_SAFE_NO_PAD.encode(bytes))
    }

    /// The key a cursor of `scope` resumes from; `BadCursor` unless this table issued
    /// it, for this scope, unchanged.
    pub(crate) fn open(
        &self,
        scope: &str,
        cursor: &str,
    ) -> Result<HashMap<String, AttributeValue>, TableError> {
        let bytes = URL_SAFE_NO_PAD
            .decode(cursor)
            .map_err(|_| TableError::BadCursor)?;
        if bytes.len() <= TAG_LEN {
            return Err(TableError::BadCursor);
        }
        let (tag, json) = bytes.split_at(TAG_LEN);
        let mut signer = self.signer(scope);
        signer.update(json);
        signer.verify_slice(tag).map_err(|_| TableError::BadCursor)?;
        let item: serde_dynamo::Item = serde_json::from_slice(json).map_err(|_| TableError::BadCursor)?;
        Ok(item.into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> HashMap<String, AttributeValue> {
        HashMap::from([
            ("pk".to_owned(), AttributeValue::S("user#1".into())),
            ("sk".to_owned(), AttributeValue::N("17".into())),
        ])
    }

    #[test]
    fn cursors_round_trip_and_refuse_changes() {
        let cursors = Cursors::new(b"secret");
        let cursor = cursors.issue("todos|q", key()).unwrap();
        assert_eq!(cursors.open("todos|q", &cursor).unwrap(), key());

        // Another scope, another secret, a flipped byte, garbage: all refused.
        assert!(matches!(
            cursors.open("todos|other", &cursor),
            Err(TableError::BadCursor)
        ));
        assert!(matches!(
            Cursors::new(b"other").open("todos|q", &cursor),
            Err(TableError::BadCursor)
        ));
        let mut bytes = URL_SAFE_NO_PAD.decode(&cursor).unwrap();
        let last = bytes.len() - 3;
        bytes[last] ^= 1;
        let tampered = URL_SAFE_NO_PAD.encode(bytes);
        assert!(matches!(
            cursors.open("todos|q", &tampered),
            Err(TableError::BadCursor)
        ));
        for garbage in ["", "!!", "AAAA"] {
            assert!(matches!(
                cursors.open("todos|q", garbage),
                Err(TableError::BadCursor)
            ));
        }
    }
}
