//! Workspace-level integration tests for lambdo: see the files beside this one. This
//! library holds what several of them share.

use std::{
    io::Write,
    sync::{Arc, Mutex},
};

use lambdo::logs::JsonLogLayer;
use serde_json::Value;
use tracing_subscriber::prelude::*;

/// Log output captured in memory, in Lambda's JSON log format.
#[derive(Clone, Default)]
pub struct CapturedLogs(Arc<Mutex<Vec<u8>>>);

impl Write for CapturedLogs {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl CapturedLogs {
    /// Captures this thread's logs until the guard is dropped.
    pub fn install() -> (CapturedLogs, tracing::subscriber::DefaultGuard) {
        let captured = CapturedLogs::default();
        let writer = captured.clone();
        let subscriber = tracing_subscriber::registry().with(JsonLogLayer::new(move || writer.clone()));
        (captured, tracing::subscriber::set_default(subscriber))
    }

    /// Every line so far, parsed; panics on a line that is not JSON.
    pub fn lines(&self) -> Vec<Value> {
        let bytes = self.0.lock().unwrap().clone();
        String::from_utf8(bytes)
            .unwrap()
            .lines()
            .map(|line| serde_json::from_str(line).unwrap_or_else(|err| panic!("not JSON ({err}): {line}")))
            .collect()
    }

    /// The raw text so far.
    pub fn text(&self) -> String {
        String::from_utf8(self.0.lock().unwrap().clone()).unwrap()
    }
}

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

/// The `itemIdentifier`s of a partial batch response; panics on anything else.
pub fn failures(response: &Value) -> Vec<String> {
    response["batchItemFailures"]
        .as_array()
        .unwrap_or_else(|| panic!("not a batch response: {response}"))
        .iter()
        .map(|failure| failure["itemIdentifier"].as_str().unwrap().to_owned())
        .collect()
}

impl CapturedLogs {
    /// The `the record failed` lines so far.
    pub fn record_failures(&self) -> Vec<Value> {
        self.lines()
            .into_iter()
            .filter(|line| line["message"] == "the record failed")
            .collect()
    }
}
