//! The end-to-end benchmark: whole bootstraps as real processes under
//! `lambdo-testing`'s Runtime API (the same emulator for every contender), contenders
//! taking turns (A B C A B C …), written up as a Markdown report with SVG charts.
//!
//! ```text
//! e2e [--tiny] [--bins DIR] [--powertools PATH | --no-python] [--out FILE] [--charts DIR]
//! ```
//!
//! - `--bins`: where the Rust bootstraps are (`target/release`);
//! - `--powertools`: the Python contender's launcher (`crates/lambdo-bench/python/
//!   bootstrap-powertools`, which needs `LAMBDO_BENCH_VENV`); `--no-python` leaves it out;
//! - `--out`: the report (`BENCHMARKS.md`), `--charts`: its SVG charts'
//!   folder (`crates/lambdo-bench/charts`);
//! - `--tiny`: one small round that shows every part works, as CI runs it; its figures
//!   mean nothing.
//!
//! `scripts/bench-e2e.sh` builds the bootstraps and runs the published round.

mod charts;
mod measure;
mod plan;
mod report;

use std::path::PathBuf;

use indicatif::{ProgressBar, ProgressStyle};

use measure::{Cold, Instructions, Warm};
use plan::{Kind, Programs, Settings, Workload};

/// What one contender of one workload measured.
#[derive(Debug, Default)]
pub(crate) struct Figures {
    pub(crate) cold: Vec<Cold>,
    pub(crate) warm: Vec<Warm>,
    pub(crate) instructions: Option<Instructions>,
}

impl Figures {
    /// A cold-start figure: median, lowest, highest.
    pub(crate) fn cold(&self, pick: fn(&Cold) -> f64) -> (f64, f64, f64) {
        measure::spread(&self.cold.iter().map(pick).collect::<Vec<_>>())
    }

    /// A warm-round figure: median, lowest, highest.
    pub(crate) fn warm(&self, pick: fn(&Warm) -> f64) -> (f64, f64, f64) {
        measure::spread(&self.warm.iter().map(pick).collect::<Vec<_>>())
    }
}

/// The machine's one-minute load average, sampled as the run goes.
#[derive(Debug, Default)]
pub(crate) struct Load {
    pub(crate) samples: Vec<f64>,
}

impl Load {
    fn sample(&mut self) {
        let loadavg = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
        if let Some(one) = loadavg.split(' ').next().and_then(|one| one.parse().ok()) {
            self.samples.push(one);
        }
    }
}

/// Everything the report is written from.
#[derive(Debug)]
pub(crate) struct Run {
    pub(crate) settings: Settings,
    pub(crate) tiny: bool,
    pub(crate) command: String,
    pub(crate) workloads: Vec<Workload>,
    /// `figures[w][c]`: workload `w`, its contender `c`.
    pub(crate) figures: Vec<Vec<Figures>>,
    pub(crate) load: Load,
    pub(crate) started: std::time::SystemTime,
    pub(crate) duration: std::time::Duration,
}

struct Args {
    tiny: bool,
    bins: PathBuf,
    powertools: Option<PathBuf>,
    out: PathBuf,
    charts: PathBuf,
}

fn args() -> Args {
    let mut args = Args {
        tiny: false,
        bins: PathBuf::from("target/release"),
        powertools: Some(PathBuf::from("crates/lambdo-bench/python/bootstrap-powertools")),
        out: PathBuf::from("BENCHMARKS.md"),
        charts: PathBuf::from("crates/lambdo-bench/charts"),
    };
    let usage = || -> ! {
        eprintln!(
            "usage: e2e [--tiny] [--bins DIR] [--powertools PATH | --no-python] [--out FILE] [--charts DIR]"
        );
        std::process::exit(2)
    };
    let mut given = std::env::args().skip(1);
    while let Some(arg) = given.next() {
        let mut value = || PathBuf::from(given.next().unwrap_or_else(|| usage()));
        match arg.as_str() {
            "--tiny" => args.tiny = true,
            "--no-python" => args.powertools = None,
            "--bins" => args.bins = value(),
            "--powertools" => args.powertools = Some(value()),
            "--out" => args.out = value(),
            "--charts" => args.charts = value(),
            _ => usage(),
        }
    }
    args
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let args = args();
    let settings = if args.tiny {
        Settings::tiny()
    } else {
        Settings::full()
    };
    let programs = Programs {
        bins: args.bins.clone(),
        powertools: args.powertools.clone(),
    };
    let workloads = plan::workloads(&settings, &programs);
    if let Err(missing) = plan::check(&workloads) {
        eprintln!("e2e: {missing} (scripts/bench-e2e.sh builds them)");
        std::process::exit(1);
    }
    let started = std::time::SystemTime::now();
    let clock = std::time::Instant::now();
    let mut load = Load::default();
    load.sample();
    let progress = progress_bar(&settings, &workloads);
    let mut figures = Vec::new();
    for workload in &workloads {
        load.sample();
        figures.push(measure_workload(&settings, workload, &progress).await);
    }
    load.sample();
    progress.finish_and_clear();
    let run = Run {
        settings,
        tiny: args.tiny,
        command: std::env::args().collect::<Vec<_>>().join(" "),
        workloads,
        figures,
        load,
        started,
        duration: clock.elapsed(),
    };
    let charts = charts::write(&run, &args.charts).unwrap_or_else(|error| {
        eprintln!("e2e: the charts in {}: {error}", args.charts.display());
        std::process::exit(1)
    });
    let markdown = report::markdown(&run, &charts, &args.out);
    std::fs::write(&args.out, markdown).unwrap_or_else(|error| {
        eprintln!("e2e: {}: {error}", args.out.display());
        std::process::exit(1)
    });
    eprintln!(
        "e2e: {} and {} charts in {} ({:.0} s)",
        args.out.display(),
        charts.len(),
        args.charts.display(),
        run.duration.as_secs_f64()
    );
}

/// Whether `kind` runs under callgrind in this workload: Python only with single events
/// or small batches (a batch of thousands takes minutes under callgrind).
fn counts_instructions(settings: &Settings, workload: &Workload, kind: Kind) -> bool {
    kind != Kind::Powertools || (settings.python_instructions && workload.records <= 10)
}

fn progress_bar(settings: &Settings, workloads: &[Workload]) -> ProgressBar {
    let steps: usize = workloads
        .iter()
        .flat_map(|workload| {
            workload
                .contenders
                .iter()
                .map(move |contender| (workload, contender))
        })
        .map(|(workload, contender)| {
            let callgrind = counts_instructions(settings, workload, contender.kind);
            settings.cold_runs + settings.warm_rounds + usize::from(callgrind)
        })
        .sum();
    let progress = ProgressBar::new(steps as u64);
    progress.set_style(
        ProgressStyle::with_template("{elapsed_precise} [{bar:40}] {pos}/{len} {msg}")
            .expect("a template")
            .progress_chars("=> "),
    );
    progress
}

/// Cold starts, warm rounds, then callgrind, each contender in turn.
async fn measure_workload(settings: &Settings, workload: &Workload, progress: &ProgressBar) -> Vec<Figures> {
    let mut figures: Vec<Figures> = workload.contenders.iter().map(|_| Figures::default()).collect();
    let step = |what: &str, name: &str| progress.set_message(format!("{}: {what}, {name}", workload.id));
    for _ in 0..settings.cold_runs {
        for (contender, figures) in workload.contenders.iter().zip(&mut figures) {
            step("cold start", &contender.name);
            figures.cold.push(measure::cold(contender, &workload.event).await);
            progress.inc(1);
        }
    }
    for _ in 0..settings.warm_rounds {
        for (contender, figures) in workload.contenders.iter().zip(&mut figures) {
            step("warm", &contender.name);
            let checkpoint = settings.rss_checkpoint.min(workload.invocations);
            figures
                .warm
                .push(measure::warm(contender, &workload.event, workload.invocations, checkpoint).await);
            progress.inc(1);
        }
    }
    for (contender, figures) in workload.contenders.iter().zip(&mut figures) {
        if counts_instructions(settings, workload, contender.kind) {
            step("callgrind", &contender.name);
            let extra = workload.callgrind_invocations;
            figures.instructions = measure::instructions(contender, &workload.event, extra).await;
            progress.inc(1);
        }
    }
    figures
}
