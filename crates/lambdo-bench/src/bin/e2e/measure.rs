//! Running one bootstrap as a real process under its own Runtime API, and reading what
//! it cost from `/proc` and from callgrind.

use std::{
    path::Path,
    process::Stdio,
    time::{Duration, Instant},
};

use lambdo_testing::{Outcome, RuntimeApi};
use serde_json::Value;

use crate::plan::Contender;

/// How long one invocation may take (callgrind slows a process ~50 times).
const TIMEOUT: Duration = Duration::from_secs(300);

/// A cold start: a fresh process, one invocation.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Cold {
    /// exec → the first `/next` (the init phase), ms.
    pub(crate) init_ms: f64,
    /// exec → the first response posted, ms.
    pub(crate) first_response_ms: f64,
    /// CPU time (user + system, all threads) by the first response, ms.
    pub(crate) cpu_ms: f64,
}

/// A warm round: one process, many invocations after its first.
#[derive(Debug, Clone)]
pub(crate) struct Warm {
    /// CPU per invocation, µs.
    pub(crate) cpu_us: f64,
    /// Invocations per second, one at a time (the emulator's side included).
    pub(crate) per_second: f64,
    /// Invocation latency (queued → answered) percentiles, µs.
    pub(crate) p50_us: f64,
    pub(crate) p99_us: f64,
    /// Resident set after the checkpoint's invocations and after all, MB.
    pub(crate) rss_checkpoint_mb: f64,
    pub(crate) rss_end_mb: f64,
    /// The resident set's peak (VmHWM), MB.
    pub(crate) peak_mb: f64,
}

/// Callgrind's counts.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Instructions {
    /// exec → first response (and the process's exit).
    pub(crate) cold: f64,
    /// Per warm invocation.
    pub(crate) warm: f64,
}

/// One bootstrap process with its own Runtime API.
pub(crate) struct Process {
    api: RuntimeApi,
    child: tokio::process::Child,
    pid: u32,
    started: Instant,
}

impl Process {
    /// Starts `contender`, under `wrapper` (callgrind) if given.
    pub(crate) async fn start(contender: &Contender, wrapper: &[String]) -> Process {
        let api = RuntimeApi::start().await.expect("a Runtime API");
        let env = api.lambda_env("bench");
        let mut command = match wrapper.split_first() {
            Some((program, args)) => {
                let mut command = tokio::process::Command::new(program);
                command.args(args).arg(&contender.program);
                command
            }
            None => tokio::process::Command::new(&contender.program),
        };
        command
            .envs(env)
            .envs(contender.env.iter().cloned())
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .kill_on_drop(true);
        let started = Instant::now();
        let child = command
            .spawn()
            .unwrap_or_else(|error| panic!("{} does not start: {error}", contender.program.display()));
        let pid = child.id().expect("a running process");
        Process {
            api,
            child,
            pid,
            started,
        }
    }

    /// One invocation; panics unless the function answered with a response.
    pub(crate) async fn invoke(&self, event: &Value) {
        let outcome = self.api.invoke(event, TIMEOUT).await.expect("an answer");
        assert!(matches!(outcome, Outcome::Response(_)), "{outcome:?}");
    }

    /// SIGTERM (Lambda's shutdown), then waits: callgrind writes its profile as the
    /// process ends. Killed after 120 s.
    pub(crate) async fn stop(mut self) {
        let _ = std::process::Command::new("kill")
            .arg(self.pid.to_string())
            .status();
        if tokio::time::timeout(Duration::from_secs(120), self.child.wait())
            .await
            .is_err()
        {
            let _ = self.child.kill().await;
        }
    }

    /// The process's CPU time so far (user + system of every thread), ns.
    fn cpu_ns(&self) -> u64 {
        // Each thread's `schedstat` starts with its time on a CPU in nanoseconds, where
        // `/proc/<pid>/stat` counts in 10 ms ticks: too coarse for a 2 ms cold start.
        let Ok(tasks) = std::fs::read_dir(format!("/proc/{}/task", self.pid)) else {
            return 0;
        };
        tasks
            .flatten()
            .filter_map(|task| std::fs::read_to_string(task.path().join("schedstat")).ok())
            .filter_map(|line| line.split(' ').next()?.parse::<u64>().ok())
            .sum()
    }

    /// A field of `/proc/<pid>/status` in kB (`VmRSS`, `VmHWM`), as MB.
    fn memory_mb(&self, field: &str) -> f64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.pid)).unwrap_or_default();
        status
            .lines()
            .find_map(|line| line.strip_prefix(field)?.strip_prefix(':'))
            .and_then(|value| value.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
            .map_or(0.0, |kb| kb / 1024.0)
    }
}

/// A fresh process, one invocation.
pub(crate) async fn cold(contender: &Contender, event: &Value) -> Cold {
    let process = Process::start(contender, &[]).await;
    process.invoke(event).await;
    let first_response = process.started.elapsed();
    // Blocked on its next `/next` now: its CPU time stands still.
    let cpu_ns = process.cpu_ns();
    let init = process
        .api
        .first_poll()
        .map_or(first_response, |polled| polled - process.started);
    process.stop().await;
    Cold {
        init_ms: init.as_secs_f64() * 1e3,
        first_response_ms: first_response.as_secs_f64() * 1e3,
        cpu_ms: cpu_ns as f64 / 1e6,
    }
}

/// A fresh process, its first invocation, then `invocations` warm ones.
pub(crate) async fn warm(
    contender: &Contender,
    event: &Value,
    invocations: usize,
    checkpoint: usize,
) -> Warm {
    let process = Process::start(contender, &[]).await;
    process.invoke(event).await;
    let mut latencies = Vec::with_capacity(invocations);
    let mut rss_checkpoint_mb = 0.0;
    let cpu_before = process.cpu_ns();
    let started = Instant::now();
    for n in 1..=invocations {
        let sent = Instant::now();
        process.invoke(event).await;
        latencies.push(sent.elapsed().as_secs_f64() * 1e6);
        if n == checkpoint {
            rss_checkpoint_mb = process.memory_mb("VmRSS");
        }
    }
    let elapsed = started.elapsed().as_secs_f64();
    let cpu_ns = process.cpu_ns() - cpu_before;
    let warm = Warm {
        cpu_us: cpu_ns as f64 / 1e3 / invocations as f64,
        per_second: invocations as f64 / elapsed,
        p50_us: percentile(&mut latencies, 0.50),
        p99_us: percentile(&mut latencies, 0.99),
        rss_checkpoint_mb,
        rss_end_mb: process.memory_mb("VmRSS"),
        peak_mb: process.memory_mb("VmHWM"),
    };
    process.stop().await;
    warm
}

/// Callgrind's instruction counts: a run of one invocation, and one of `1 + extra`;
/// none (and a warning) when callgrind left no profile.
pub(crate) async fn instructions(contender: &Contender, event: &Value, extra: usize) -> Option<Instructions> {
    let mut totals = Vec::new();
    for invocations in [1, 1 + extra] {
        let out = std::env::temp_dir().join(format!("lambdo-e2e-{}.callgrind", std::process::id()));
        let wrapper = [
            "valgrind".to_owned(),
            "--tool=callgrind".to_owned(),
            format!("--callgrind-out-file={}", out.display()),
        ];
        let process = Process::start(contender, &wrapper).await;
        for _ in 0..invocations {
            process.invoke(event).await;
        }
        process.stop().await;
        let total = callgrind_total(&out);
        let _ = std::fs::remove_file(&out);
        match total {
            Some(total) => totals.push(total),
            None => {
                eprintln!("e2e: callgrind left no total for {}", contender.program.display());
                return None;
            }
        }
    }
    Some(Instructions {
        cold: totals[0],
        warm: (totals[1] - totals[0]) / extra as f64,
    })
}

fn callgrind_total(out: &Path) -> Option<f64> {
    let profile = std::fs::read_to_string(out).ok()?;
    profile
        .lines()
        .find_map(|line| {
            line.strip_prefix("totals: ")
                .or_else(|| line.strip_prefix("summary: "))
        })
        .and_then(|total| total.trim().parse::<f64>().ok())
}

fn percentile(values: &mut [f64], share: f64) -> f64 {
    values.sort_by(f64::total_cmp);
    let index = ((values.len() as f64 - 1.0) * share).round() as usize;
    values.get(index).copied().unwrap_or(0.0)
}

/// The median of `values` and their range.
pub(crate) fn spread(values: &[f64]) -> (f64, f64, f64) {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    match sorted.as_slice() {
        [] => (0.0, 0.0, 0.0),
        [.., last] => (sorted[sorted.len() / 2], sorted[0], *last),
    }
}
