//! Runs bootstraps as real processes under `lambdo-testing`'s Runtime API, the
//! contenders taking turns (A B A B …), and prints what they cost:
//!
//! ```text
//! e2e warm <http-get|http-post|sqs10> <invocations> <rounds> <bootstrap>...
//!     CPU time (user + system, from /proc) per warm invocation: the median of the
//!     rounds, and the spread (lowest–highest).
//! e2e cold <http-get|http-post|sqs10> <runs> <bootstrap>...
//!     exec → first response, wall time: median and spread over fresh processes.
//! e2e instructions <http-get|http-post|sqs10> <bootstrap>...
//!     callgrind instruction counts of the whole process: the cold start (exec → first
//!     response) and per warm invocation (the difference between a run of 551 and one
//!     of 51 invocations, over 500).
//! ```
//!
//! Each figure is also given as a ratio to the last bootstrap named (the baseline). A
//! bootstrap may be named `KEY=VALUE@path`: that process also gets the variable (for
//! example `LAMBDO_BENCH_RUNTIME=current_thread@target/release/bootstrap-lambdo-http`).

use std::{
    process::Stdio,
    time::{Duration, Instant},
};

use lambdo_testing::{Outcome, RuntimeApi};
use serde_json::Value;

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let usage = || -> ! {
        eprintln!(
            "usage: e2e warm <http-get|http-post|sqs10> <invocations> <rounds> <bootstrap>...\n       e2e cold <workload> <runs> <bootstrap>...\n       e2e instructions <workload> <bootstrap>..."
        );
        std::process::exit(2)
    };
    let number = |text: &str| text.parse::<usize>().unwrap_or_else(|_| usage());
    match args.iter().map(String::as_str).collect::<Vec<_>>().as_slice() {
        ["warm", workload, invocations, rounds, bootstraps @ ..] if !bootstraps.is_empty() => {
            warm(&event(workload), number(invocations), number(rounds), bootstraps).await;
        }
        ["cold", workload, runs, bootstraps @ ..] if !bootstraps.is_empty() => {
            cold(&event(workload), number(runs), bootstraps).await;
        }
        ["instructions", workload, bootstraps @ ..] if !bootstraps.is_empty() => {
            instructions(&event(workload), bootstraps).await;
        }
        _ => usage(),
    }
}

fn event(workload: &str) -> Value {
    match workload {
        "http-get" => serde_json::from_str(lambdo_testing::fixtures::APIGW_HTTP_V2).expect("JSON"),
        "http-post" => {
            let request = http::Request::post("/todos")
                .header("content-type", "application/json")
                .body(r#"{"title":"measure the whole process"}"#)
                .expect("a request");
            lambdo_testing::HttpEvent::new(lambdo_testing::PayloadVersion::HttpV2).from_request(&request)
        }
        "sqs10" => serde_json::from_slice(&lambdo_bench::records::order_batch(10)).expect("JSON"),
        other => panic!("unknown workload {other}"),
    }
}

async fn warm(event: &Value, invocations: usize, rounds: usize, bootstraps: &[&str]) {
    let mut figures = vec![Vec::new(); bootstraps.len()];
    for _ in 0..rounds {
        for (bootstrap, figures) in bootstraps.iter().zip(&mut figures) {
            let mut process = Process::start(&[bootstrap]).await;
            process.invoke(event).await; // the cold start, not counted
            let before = cpu_ticks(process.pid);
            for _ in 0..invocations {
                process.invoke(event).await;
            }
            let ticks = cpu_ticks(process.pid) - before;
            // Clock ticks are hundredths of a second.
            figures.push(ticks as f64 * 10_000.0 / invocations as f64);
            process.stop().await;
        }
    }
    report("CPU µs per warm invocation", bootstraps, figures);
}

async fn cold(event: &Value, runs: usize, bootstraps: &[&str]) {
    let mut figures = vec![Vec::new(); bootstraps.len()];
    for _ in 0..runs {
        for (bootstrap, figures) in bootstraps.iter().zip(&mut figures) {
            let started = Instant::now();
            let mut process = Process::start(&[bootstrap]).await;
            process.invoke(event).await;
            figures.push(started.elapsed().as_secs_f64() * 1000.0);
            process.stop().await;
        }
    }
    report("ms exec → first response", bootstraps, figures);
}

async fn instructions(event: &Value, bootstraps: &[&str]) {
    let mut cold = Vec::new();
    let mut warm = Vec::new();
    for bootstrap in bootstraps {
        let mut totals = Vec::new();
        for invocations in [1, 51, 551] {
            let out = std::env::temp_dir().join(format!("lambdo-e2e-{}.callgrind", std::process::id()));
            let out_arg = format!("--callgrind-out-file={}", out.display());
            let mut process = Process::start(&["valgrind", "--tool=callgrind", &out_arg, bootstrap]).await;
            for _ in 0..invocations {
                process.invoke(event).await;
            }
            process.stop().await;
            totals.push(callgrind_total(&out));
            let _ = std::fs::remove_file(&out);
        }
        cold.push(vec![totals[0] as f64]);
        warm.push(vec![(totals[2] - totals[1]) as f64 / 500.0]);
    }
    report("instructions, exec → first response", bootstraps, cold);
    report("instructions per warm invocation", bootstraps, warm);
}

/// One bootstrap process with its own Runtime API.
struct Process {
    api: RuntimeApi,
    child: tokio::process::Child,
    pid: u32,
}

impl Process {
    async fn start(command: &[&str]) -> Process {
        let api = RuntimeApi::start().await.expect("a Runtime API");
        let mut variables = Vec::new();
        let command: Vec<&str> = command
            .iter()
            .map(|part| match part.split_once('@') {
                Some((variable, path)) => {
                    variables.extend(variable.split_once('='));
                    path
                }
                None => part,
            })
            .collect();
        let child = tokio::process::Command::new(command[0])
            .args(&command[1..])
            .envs(api.lambda_env("bench"))
            .envs(variables)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .unwrap_or_else(|error| panic!("{command:?} does not start: {error}"));
        let pid = child.id().expect("a running process");
        Process { api, child, pid }
    }

    async fn invoke(&mut self, event: &Value) {
        let outcome = self
            .api
            .invoke(event, Duration::from_secs(60))
            .await
            .expect("an answer");
        assert!(matches!(outcome, Outcome::Response(_)), "{outcome:?}");
    }

    /// SIGTERM, then waits: callgrind writes its profile as the process ends.
    async fn stop(mut self) {
        let _ = std::process::Command::new("kill")
            .arg(self.pid.to_string())
            .status();
        if tokio::time::timeout(Duration::from_secs(30), self.child.wait())
            .await
            .is_err()
        {
            let _ = self.child.kill().await;
        }
    }
}

/// The process's user + system time so far, in clock ticks (`/proc/<pid>/stat`).
fn cpu_ticks(pid: u32) -> u64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    // The fields after the command's name (in parentheses, which may hold spaces):
    // utime and stime are the line's 14th and 15th, the 12th and 13th after the name.
    let fields: Vec<&str> = stat
        .rsplit_once(") ")
        .map(|(_, rest)| rest)
        .unwrap_or_default()
        .split(' ')
        .collect();
    let field = |n: usize| {
        fields
            .get(n)
            .and_then(|value| value.parse::<u64>().ok())
            .unwrap_or(0)
    };
    field(11) + field(12)
}

fn callgrind_total(out: &std::path::Path) -> u64 {
    let profile = std::fs::read_to_string(out).unwrap_or_else(|error| panic!("{}: {error}", out.display()));
    profile
        .lines()
        .find_map(|line| {
            line.strip_prefix("totals: ")
                .or_else(|| line.strip_prefix("summary: "))
        })
        .and_then(|total| total.trim().parse().ok())
        .expect("callgrind's total")
}

fn report(what: &str, bootstraps: &[&str], mut figures: Vec<Vec<f64>>) {
    let medians: Vec<f64> = figures
        .iter_mut()
        .map(|values| {
            values.sort_by(f64::total_cmp);
            values[values.len() / 2]
        })
        .collect();
    let baseline = medians.last().copied().unwrap_or(1.0);
    println!("{what}:");
    for ((bootstrap, median), values) in bootstraps.iter().zip(&medians).zip(&figures) {
        let (variable, path) = bootstrap.split_once('@').unwrap_or(("", bootstrap));
        let file = std::path::Path::new(path)
            .file_name()
            .map_or(path.to_owned(), |name| name.to_string_lossy().into_owned());
        let name = match variable.split_once('=') {
            Some((_, value)) => format!("{file} ({value})"),
            None => file,
        };
        println!(
            "  {name:<44} {median:>12.1}  ({:.1}–{:.1})  {:.2}×",
            values[0],
            values[values.len() - 1],
            median / baseline
        );
    }
}
