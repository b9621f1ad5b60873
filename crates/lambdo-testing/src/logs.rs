//! Log lines captured in memory, as lambdo writes them in Lambda.

use std::{
    cell::RefCell,
    io::Write,
    sync::{Arc, Mutex, OnceLock},
};

use lambdo::logs::JsonLogLayer;
use serde_json::Value;
use tracing_subscriber::prelude::*;

/// Logs captured in memory, in Lambda's JSON log format: assert on what a handler (or
/// lambdo) logged.
///
/// Capture is per thread, which covers `#[tokio::test]`'s runtime and everything it
/// runs. The first capture installs one process-wide subscriber that writes each
/// thread's lines to that thread's capture (and drops the lines of threads without
/// one): a subscriber per test, set with `tracing::subscriber::set_default`, can miss
/// events when another thread meets a log statement for the first time while it is
/// being installed (tracing caches per statement whether anyone listens). If the
/// program set its own global subscriber first, capture falls back to a per-thread
/// default subscriber.
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

thread_local! {
    /// The capture of this thread's log lines, if one is installed.
    static CAPTURE: RefCell<Option<CapturedLogs>> = const { RefCell::new(None) };
}

/// The process-wide subscriber's writer: this thread's capture, or nowhere.
struct ThisThread;

impl Write for ThisThread {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        CAPTURE.with(|capture| match capture.borrow_mut().as_mut() {
            Some(captured) => captured.write(bytes),
            None => Ok(bytes.len()),
        })
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Ends a capture when dropped (see [`CapturedLogs::install`]).
#[must_use = "the capture ends when the guard is dropped"]
pub struct CaptureGuard(Guard);

enum Guard {
    /// The process-wide subscriber routes this thread's lines; restore what it routed
    /// before.
    Routed(Option<CapturedLogs>),
    /// A per-thread default subscriber.
    Scoped {
        _guard: tracing::subscriber::DefaultGuard,
    },
}

impl Drop for CaptureGuard {
    fn drop(&mut self) {
        if let Guard::Routed(previous) = &mut self.0 {
            let previous = previous.take();
            CAPTURE.with(|capture| *capture.borrow_mut() = previous);
        }
    }
}

impl CapturedLogs {
    /// Captures this thread's logs until the guard is dropped.
    pub fn install() -> (CapturedLogs, CaptureGuard) {
        static ROUTED: OnceLock<bool> = OnceLock::new();
        let routed = *ROUTED.get_or_init(|| {
            let subscriber = tracing_subscriber::registry().with(JsonLogLayer::new(|| ThisThread));
            tracing::subscriber::set_global_default(subscriber).is_ok()
        });
        let captured = CapturedLogs::default();
        let guard = if routed {
            let previous = CAPTURE.with(|capture| capture.borrow_mut().replace(captured.clone()));
            Guard::Routed(previous)
        } else {
            let writer = captured.clone();
            let subscriber = tracing_subscriber::registry().with(JsonLogLayer::new(move || writer.clone()));
            Guard::Scoped {
                _guard: tracing::subscriber::set_default(subscriber),
            }
        };
        (captured, CaptureGuard(guard))
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
