//! Workspace-level integration tests for lambdo: see the files beside this one. This
//! library holds what several of them share.

use std::sync::{Arc, Mutex};

/// The `itemIdentifier`s of a partial batch response; panics on anything else.
pub use lambdo_testing::batch_failures as failures;
pub use lambdo_testing::CapturedLogs;

/// What handlers saw, in the order they saw it: app state for tests.
#[derive(Clone, Default)]
pub struct Seen(Arc<Mutex<Vec<String>>>);

impl Seen {
    /// Records one entry.
    pub fn push(&self, entry: String) {
        self.0.lock().unwrap().push(entry);
    }

    /// Every entry so far.
    pub fn all(&self) -> Vec<String> {
        self.0.lock().unwrap().clone()
    }
}
