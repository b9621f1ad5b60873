//! Log lines captured in memory, as lambdo writes them in Lambda.

use std::{
    io::Write,
    sync::{Arc, Mutex},
};

use lambdo::logs::JsonLogLayer;
use serde_json::Value;
use tracing_subscriber::prelude::*;

/// Logs captured in memory, in Lambda's JSON log format: assert on what a handler (or
/// lambdo) logged.
///
/// Capture is per thread, which covers `#[tokio::test]`'s runtime and everything it
/// runs.
///
/// ```
/// let (logs, _guard) = lambdo_testing::CapturedLogs::install();
/// tracing::info!(order_id = "o-1", "order accepted");
/// let line = &logs.lines()[0];
/// assert_eq!(line["message"], "order accepted");
/// assert_eq!(line["order_id"], "o-1");
/// assert_eq!(line["level"], "INFO");
/// ```
#[derive(Clone, Default)]
pub struct CapturedLogs(Arc<Mutex<Vec<u8>>>);

impl Write for CapturedLogs {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .extend_from_slice(bytes);
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
        self.text()
            .lines()
            .map(|line| serde_json::from_str(line).unwrap_or_else(|err| panic!("not JSON ({err}): {line}")))
            .collect()
    }

    /// The `the record failed` lines so far: one per failed batch record.
    pub fn record_failures(&self) -> Vec<Value> {
        self.lines()
            .into_iter()
            .filter(|line| line["message"] == "the record failed")
            .collect()
    }

    /// The raw text so far.
    pub fn text(&self) -> String {
        let bytes = self
            .0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .clone();
        String::from_utf8(bytes).expect("lambdo writes UTF-8 logs")
    }
}
