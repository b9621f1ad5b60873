//! Log sampling and buffering, per invocation: debug lines that cost nothing to read
//! until an invocation goes wrong.
//!
//! - **Sampling**: a share of invocations (`LAMBDO_LOG_SAMPLE_RATE`, or Powertools'
//!   `POWERTOOLS_LOGGER_SAMPLE_RATE`: `0.1` is one in ten) logs at `debug` whatever the
//!   level.
//! - **Buffering** (`LAMBDO_LOG_BUFFER=debug`, or `trace`): the lines of an invocation
//!   at that level and below the log level are held, not written; if the invocation
//!   fails, or logs an error, they are written then, in order and with the timestamps
//!   they were logged at; otherwise they are dropped when it ends. At most
//!   `LAMBDO_LOG_BUFFER_BYTES` (default 20,480) are held per invocation: past it the
//!   oldest lines go, and the flush says how many.
//!
//! Both are decided per invocation, in the invocation's task: concurrent invocations
//! (Lambda Managed Instances) each have their own sample and buffer. A task a handler
//! spawns is outside its invocation and logs at the log level only. They apply to the
//! JSON log format lambdo installs in Lambda, with a plain level (`AWS_LAMBDA_LOG_LEVEL`
//! or `RUST_LOG=info`; per-target directives turn them off).

use std::{
    collections::VecDeque,
    hash::{BuildHasher, Hasher},
    io::Write,
    sync::{Arc, Mutex, OnceLock},
};

use tracing::Level;
use tracing_subscriber::filter::LevelFilter;

/// The default cap on one invocation's buffered lines, in bytes (Powertools' too).
pub const DEFAULT_BUFFER_BYTES: usize = 20 * 1024;

/// How a process samples and buffers its invocations' lines.
#[derive(Debug, Clone, PartialEq)]
pub struct LogPolicy {
    /// The share of invocations that log at `debug`, 0 to 1.
    pub sample_rate: f64,
    /// Lines of this level and the levels between it and the log level are buffered.
    pub buffer: Option<Level>,
    /// The cap on one invocation's buffered lines, in bytes.
    pub buffer_bytes: usize,
}

impl LogPolicy {
    /// The policy the environment sets, if it sets one.
    pub(crate) fn from_env() -> Option<Self> {
        let var = |name: &str| std::env::var(name).ok().filter(|value| !value.trim().is_empty());
        Self::from_settings(
            var("LAMBDO_LOG_SAMPLE_RATE")
                .or_else(|| var("POWERTOOLS_LOGGER_SAMPLE_RATE"))
                .as_deref(),
            var("LAMBDO_LOG_BUFFER").as_deref(),
            var("LAMBDO_LOG_BUFFER_BYTES").as_deref(),
        )
    }

    /// The policy of these settings; unreadable ones are ignored (a log setting never
    /// stops a function).
    fn from_settings(rate: Option<&str>, buffer: Option<&str>, bytes: Option<&str>) -> Option<Self> {
        let sample_rate = rate
            .and_then(|rate| rate.trim().parse::<f64>().ok())
            .filter(|rate| rate.is_finite())
            .map_or(0.0, |rate| rate.clamp(0.0, 1.0));
        let buffer = buffer.and_then(|level| match level.trim().to_ascii_lowercase().as_str() {
            "debug" => Some(Level::DEBUG),
            "trace" => Some(Level::TRACE),
            _ => None,
        });
        let buffer_bytes = bytes
            .and_then(|bytes| bytes.trim().parse().ok())
            .unwrap_or(DEFAULT_BUFFER_BYTES);
        (sample_rate > 0.0 || buffer.is_some()).then_some(LogPolicy {
            sample_rate,
            buffer,
            buffer_bytes,
        })
    }

    /// The most verbose level a line of some invocation may be written at, for the
    /// subscriber's filter: `level` widened to what sampling and buffering need.
    pub fn widened(&self, level: LevelFilter) -> LevelFilter {
        let mut widest = level;
        if self.sample_rate > 0.0 {
            widest = widest.max(LevelFilter::DEBUG);
        }
        if let Some(buffer) = self.buffer {
            widest = widest.max(LevelFilter::from_level(buffer));
        }
        widest
    }
}

/// The process's policy, set once by the subscriber lambdo installs.
static POLICY: OnceLock<LogPolicy> = OnceLock::new();

/// Sets the process's policy (the first call wins).
pub(crate) fn set_policy(policy: LogPolicy) {
    let _ = POLICY.set(policy);
}

/// What one invocation does with lines above the log level.
#[derive(Debug)]
pub(crate) struct InvocationLogs {
    sampled: bool,
    request_id: String,
    buffer: Option<(Level, Mutex<Buffer>)>,
}

tokio::task_local! {
    static CURRENT: Arc<InvocationLogs>;
}

impl InvocationLogs {
    /// The invocation `request_id`'s sample and buffer under `policy`.
    pub(crate) fn new(policy: &LogPolicy, request_id: &str) -> Self {
        InvocationLogs {
            sampled: sampled(policy.sample_rate, request_id),
            request_id: request_id.to_owned(),
            buffer: policy
                .buffer
                .map(|level| (level, Mutex::new(Buffer::new(policy.buffer_bytes)))),
        }
    }

    /// This invocation's, under the process's policy, if there is one.
    pub(crate) fn for_invocation(request_id: &str) -> Option<Arc<Self>> {
        POLICY
            .get()
            .map(|policy| Arc::new(InvocationLogs::new(policy, request_id)))
    }

    /// Writes the buffered lines to `out`, in order, after a line saying how many were
    /// dropped over the cap, if any were.
    pub(crate) fn flush(&self, out: &mut dyn Write) {
        let Some((_, buffer)) = &self.buffer else {
            return;
        };
        let mut buffer = buffer.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let mut text = Vec::with_capacity(buffer.bytes + 256);
        if buffer.dropped > 0 {
            let note = serde_json::json!({
                "timestamp": humantime::format_rfc3339_millis(std::time::SystemTime::now()).to_string(),
                "level": "WARN",
                "message": format!(
                    "{} buffered log lines of this invocation were dropped, the oldest first: \
                     over the {}-byte buffer (LAMBDO_LOG_BUFFER_BYTES)",
                    buffer.dropped, buffer.cap
                ),
                "requestId": self.request_id,
                "target": "lambdo::logs",
            });
            let _ = serde_json::to_writer(&mut text, &note);
            text.push(b'\n');
        }
        for line in buffer.lines.drain(..) {
            text.extend_from_slice(&line);
        }
        buffer.bytes = 0;
        buffer.dropped = 0;
        // One write: lines of other invocations do not land in between.
        let _ = out.write_all(&text);
    }
}

/// Whether the invocation `request_id` is in the sample: its id hashed with this
/// process's random keys, so a rate of 0.1 picks one invocation in ten, unpredictably.
fn sampled(rate: f64, request_id: &str) -> bool {
    if rate <= 0.0 {
        return false;
    }
    if rate >= 1.0 {
        return true;
    }
    static KEYS: OnceLock<std::collections::hash_map::RandomState> = OnceLock::new();
    let mut hasher = KEYS.get_or_init(Default::default).build_hasher();
    hasher.write(request_id.as_bytes());
    (hasher.finish() as f64 / u64::MAX as f64) < rate
}

/// An invocation's held lines, oldest first, within a cap.
#[derive(Debug)]
struct Buffer {
    lines: VecDeque<Vec<u8>>,
    bytes: usize,
    cap: usize,
    dropped: usize,
}

impl Buffer {
    fn new(cap: usize) -> Self {
        Buffer {
            lines: VecDeque::new(),
            bytes: 0,
            cap,
            dropped: 0,
        }
    }

    /// Holds `line`, dropping the oldest lines for room (a line over the cap alone is
    /// dropped itself).
    fn push(&mut self, line: Vec<u8>) {
        if line.len() > self.cap {
            self.dropped += 1;
            return;
        }
        while self.bytes + line.len() > self.cap {
            let Some(oldest) = self.lines.pop_front() else {
                break;
            };
            self.bytes -= oldest.len();
            self.dropped += 1;
        }
        self.bytes += line.len();
        self.lines.push_back(line);
    }
}

/// What becomes of a line of `level`, which the log level does not write.
pub(crate) enum Fate {
    /// Written now (its invocation is in the sample).
    Write,
    /// Held in its invocation's buffer.
    Held,
    /// Dropped.
    Drop,
}

/// The fate of a line of `level`, more verbose than the log level, in the running
/// invocation.
pub(crate) fn verbose_fate(level: Level) -> Fate {
    CURRENT
        .try_with(|logs| {
            // Levels compare by verbosity: TRACE > DEBUG > INFO.
            if logs.sampled && level <= Level::DEBUG {
                return Fate::Write;
            }
            match &logs.buffer {
                Some((buffered, _)) if level <= *buffered => Fate::Held,
                _ => Fate::Drop,
            }
        })
        .unwrap_or(Fate::Drop)
}

/// Holds `line` in the running invocation's buffer.
pub(crate) fn hold(line: Vec<u8>) {
    let _ = CURRENT.try_with(|logs| {
        if let Some((_, buffer)) = &logs.buffer {
            buffer
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner())
                .push(line);
        }
    });
}

/// Runs `work` with `logs` as its invocation's (as it is, without).
pub(crate) fn scoped<F: std::future::Future>(
    logs: Option<Arc<InvocationLogs>>,
    work: F,
) -> impl std::future::Future<Output = F::Output> {
    match logs {
        Some(logs) => futures_util::future::Either::Left(CURRENT.scope(logs, work)),
        None => futures_util::future::Either::Right(work),
    }
}

/// An error line is about to be written in the running invocation: its buffered lines
/// go first, to `out`.
pub(crate) fn before_error(out: &mut dyn Write) {
    let _ = CURRENT.try_with(|logs| logs.flush(out));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_make_a_policy_only_when_they_ask_for_something() {
        assert_eq!(LogPolicy::from_settings(None, None, None), None);
        assert_eq!(LogPolicy::from_settings(Some("0"), Some("info"), None), None);
        assert_eq!(LogPolicy::from_settings(Some("nonsense"), None, None), None);
        let policy = LogPolicy::from_settings(Some("0.25"), Some("DEBUG"), Some("1000")).unwrap();
        assert_eq!(
            policy,
            LogPolicy {
                sample_rate: 0.25,
                buffer: Some(Level::DEBUG),
                buffer_bytes: 1000
            }
        );
        assert_eq!(
            LogPolicy::from_settings(Some("7"), None, None)
                .unwrap()
                .sample_rate,
            1.0
        );
        assert_eq!(policy.widened(LevelFilter::INFO), LevelFilter::DEBUG);
        let trace = LogPolicy::from_settings(None, Some("trace"), None).unwrap();
        assert_eq!(trace.buffer_bytes, DEFAULT_BUFFER_BYTES);
        assert_eq!(trace.widened(LevelFilter::WARN), LevelFilter::TRACE);
    }

    #[test]
    fn a_sample_rate_picks_about_that_share_of_invocations() {
        let picked = (0..10_000)
            .filter(|n| sampled(0.1, &format!("00000000-0000-4000-8000-{n:012}")))
            .count();
        assert!((800..1200).contains(&picked), "{picked} of 10,000 at 0.1");
        assert!(!sampled(0.0, "any"));
        assert!(sampled(1.0, "any"));
    }

    #[test]
    fn the_buffer_drops_its_oldest_lines_over_the_cap() {
        let mut buffer = Buffer::new(10);
        buffer.push(b"aaaa\n".to_vec());
        buffer.push(b"bbbb\n".to_vec());
        buffer.push(b"cccc\n".to_vec());
        buffer.push(vec![b'x'; 11]);
        assert_eq!(buffer.lines, [b"bbbb\n".to_vec(), b"cccc\n".to_vec()]);
        assert_eq!(buffer.bytes, 10);
        assert_eq!(buffer.dropped, 2);
    }
}
