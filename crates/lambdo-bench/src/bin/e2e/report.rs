//! The report: Markdown tables of a [`Run`], with its charts and the hand-written notes
//! (`crates/lambdo-bench/BENCHMARKS-notes.md`) appended.

use std::{fmt::Write as _, path::Path};

use crate::{
    measure::{Cold, Warm},
    plan::{Contender, Kind, Workload},
    Figures, Run,
};

/// Lambda's price on x86 (us-east-1, the list price this report assumes): per GB-second
/// of billed duration and per request.
const USD_PER_GB_SECOND: f64 = 0.000_016_666_7;
const USD_PER_REQUEST: f64 = 0.000_000_2;
/// Lambda gives a function CPU in proportion to its memory: one vCPU at 1,769 MB.
const MB_PER_VCPU: f64 = 1769.0;
/// The hand-written notes appended to the report.
const NOTES: &str = "crates/lambdo-bench/BENCHMARKS-notes.md";

/// One workload's contender with its figures.
struct Entry<'a> {
    contender: &'a Contender,
    figures: &'a Figures,
}

impl Entry<'_> {
    fn cold(&self, pick: fn(&Cold) -> f64) -> (f64, f64, f64) {
        self.figures.cold(pick)
    }

    fn warm(&self, pick: fn(&Warm) -> f64) -> (f64, f64, f64) {
        self.figures.warm(pick)
    }
}

fn entries<'a>(run: &'a Run, workload: usize) -> Vec<Entry<'a>> {
    run.workloads[workload]
        .contenders
        .iter()
        .zip(&run.figures[workload])
        .map(|(contender, figures)| Entry { contender, figures })
        .collect()
}

fn find<'a, 'b>(entries: &'b [Entry<'a>], kind: Kind) -> Option<&'b Entry<'a>> {
    entries.iter().find(|entry| entry.contender.kind == kind)
}

/// The report for `run`, its charts (paths) linked relative to `out`.
pub(crate) fn markdown(run: &Run, charts: &[std::path::PathBuf], out: &Path) -> String {
    let mut md = String::new();
    header(&mut md, run);
    summary(&mut md, run);
    targets(&mut md, run);
    let _ = writeln!(md, "## Charts\n");
    let base = out.parent().unwrap_or(Path::new(""));
    for chart in charts {
        let link = chart.strip_prefix(base).unwrap_or(chart);
        let name = chart
            .file_stem()
            .map_or(String::new(), |stem| stem.to_string_lossy().into_owned());
        let _ = writeln!(md, "![{name}]({})\n", link.display());
    }
    cold_table(&mut md, run);
    warm_table(&mut md, run);
    memory_table(&mut md, run);
    scaling_table(&mut md, run);
    cost_table(&mut md, run);
    method(&mut md, run);
    if let Ok(notes) = std::fs::read_to_string(NOTES) {
        let _ = writeln!(md, "{}", notes.trim_end());
    }
    md
}

fn header(md: &mut String, run: &Run) {
    let _ = writeln!(md, "# End-to-end benchmarks\n");
    let _ = writeln!(
        md,
        "<!-- Written by crates/lambdo-bench/src/bin/e2e (scripts/bench-e2e.sh); edit {NOTES} instead. -->\n"
    );
    if run.tiny {
        let _ = writeln!(
            md,
            "**A tiny round (CI's check that the benchmark works): its figures mean nothing.**\n"
        );
    }
    let _ = writeln!(
        md,
        "Whole bootstraps as real processes under lambdo-testing's Runtime API (the same emulator for every contender): \
         lambdo's typed handlers against hand-written `lambda_runtime` + `serde` + `aws_lambda_events` (the Rust baseline of \
         every ratio), `lambda_http::run` with the same axum router, and Powertools for AWS Lambda (Python) under \
         `awslambdaric`. Contenders take turns (A B C A B C …) in every phase. Ratios are lambdo's figure over the \
         hand-written one of the same run; below 1 lambdo is cheaper.\n"
    );
    let (load_low, load_high) = run
        .load
        .samples
        .iter()
        .fold((f64::MAX, 0.0f64), |(low, high), &load| {
            (low.min(load), high.max(load))
        });
    let seconds = run
        .started
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |since| since.as_secs());
    let _ = writeln!(md, "- command: `{}`", run.command);
    let _ = writeln!(
        md,
        "- run: {} UTC, {:.0} minutes",
        utc(seconds),
        run.duration.as_secs_f64() / 60.0
    );
    let _ = writeln!(md, "- machine: {}", machine());
    let _ = writeln!(
        md,
        "- load (one-minute average, sampled before each workload): {load_low:.2}–{load_high:.2}; on a loaded machine \
         wall-clock figures move, CPU time less, callgrind's instruction counts not at all"
    );
    let settings = &run.settings;
    let _ = writeln!(
        md,
        "- cold start: {} fresh processes per contender; warm: {} rounds per contender, each a fresh process and its \
         first invocation, then {} invocations (fewer for large batches: see the tables); figures are medians, \
         lowest–highest in brackets\n",
        settings.cold_runs, settings.warm_rounds, settings.invocations
    );
}

fn machine() -> String {
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let model = cpuinfo
        .lines()
        .find_map(|line| {
            line.strip_prefix("model name")?
                .split_once(':')
                .map(|(_, model)| model.trim().to_owned())
        })
        .unwrap_or_else(|| "unknown CPU".to_owned());
    let cores = std::thread::available_parallelism().map_or(1, |cores| cores.get());
    let meminfo = std::fs::read_to_string("/proc/meminfo").unwrap_or_default();
    let memory_gb = meminfo
        .lines()
        .find_map(|line| line.strip_prefix("MemTotal:"))
        .and_then(|kb| kb.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .map_or(0.0, |kb| kb / 1024.0 / 1024.0);
    let kernel = std::fs::read_to_string("/proc/sys/kernel/osrelease").unwrap_or_default();
    let rustc = std::process::Command::new("rustc")
        .arg("-V")
        .output()
        .map(|out| String::from_utf8_lossy(&out.stdout).trim().to_owned())
        .unwrap_or_default();
    format!(
        "{model}, {cores} cores, {memory_gb:.0} GiB, Linux {}, {rustc}",
        kernel.trim()
    )
}

/// `YYYY-MM-DD HH:MM` of a Unix time (UTC), by the civil-from-days algorithm.
fn utc(seconds: u64) -> String {
    let days = (seconds / 86_400) as i64;
    let (hour, minute) = ((seconds % 86_400) / 3600, (seconds % 3600) / 60);
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02} {hour:02}:{minute:02}")
}

fn ms(value: f64) -> String {
    if value >= 100.0 {
        format!("{value:.0} ms")
    } else {
        format!("{value:.2} ms")
    }
}

fn us(value: f64) -> String {
    if value >= 10_000.0 {
        format!("{:.1} ms", value / 1000.0)
    } else {
        format!("{value:.0} µs")
    }
}

fn count(value: f64) -> String {
    if value >= 1e6 {
        format!("{:.2} M", value / 1e6)
    } else {
        format!("{:.1} k", value / 1e3)
    }
}

fn mb(value: f64) -> String {
    format!("{value:.1} MB")
}

fn ranged(format: fn(f64) -> String, (median, low, high): (f64, f64, f64)) -> String {
    format!(
        "{} ({}–{})",
        format(median),
        format(low).trim_end_matches(|c: char| !c.is_ascii_digit()),
        format(high)
    )
}

fn ratio(value: f64, baseline: Option<f64>) -> String {
    match baseline {
        Some(baseline) if baseline > 0.0 => format!("{:.2}", value / baseline),
        _ => "–".to_owned(),
    }
}

/// The figures a user decides on, lambdo's against each contender's.
fn summary(md: &mut String, run: &Run) {
    let _ = writeln!(md, "## Summary\n");
    let _ = writeln!(
        md,
        "| figure | lambdo | hand-written Rust | ratio | lambda_http + axum | ratio | Powertools (Python) | ratio |"
    );
    let _ = writeln!(md, "|---|---:|---:|---:|---:|---:|---:|---:|");
    type Pick = fn(&Entry<'_>) -> Option<f64>;
    type Format = fn(f64) -> String;
    let rows: [(&str, Pick, Format); 6] = [
        (
            "cold start, exec → first response",
            |entry| Some(entry.cold(|cold| cold.first_response_ms).0),
            ms,
        ),
        (
            "CPU to first response",
            |entry| Some(entry.cold(|cold| cold.cpu_ms).0),
            ms,
        ),
        (
            "instructions, exec → first response",
            |entry| entry.figures.instructions.map(|i| i.cold),
            count,
        ),
        (
            "warm CPU / invocation",
            |entry| Some(entry.warm(|warm| warm.cpu_us).0),
            us,
        ),
        (
            "instructions / warm invocation",
            |entry| entry.figures.instructions.map(|i| i.warm),
            count,
        ),
        ("peak RSS", |entry| Some(entry.warm(|warm| warm.peak_mb).0), mb),
    ];
    for (what, pick, format) in rows {
        for (index, workload) in run.workloads.iter().enumerate() {
            if matches!(workload.id, "sqs100" | "sqs1000") {
                continue; // in the scaling table
            }
            summary_row(
                md,
                &format!("{what}, {}", workload.title),
                &entries(run, index),
                pick,
                format,
            );
        }
    }
    for (index, workload) in run.workloads.iter().enumerate() {
        if matches!(workload.id, "empty" | "http-get" | "sqs10") {
            let sizes = entries(run, index);
            summary_row(
                md,
                &format!("stripped bootstrap, {}", workload.title),
                &sizes,
                |entry| entry.contender.size.map(|bytes| bytes as f64 / 1e6),
                |value| format!("{value:.2} MB"),
            );
        }
    }
    let _ = writeln!(md);
}

fn summary_row(
    md: &mut String,
    what: &str,
    entries: &[Entry<'_>],
    pick: fn(&Entry<'_>) -> Option<f64>,
    format: fn(f64) -> String,
) {
    let value = |kind| find(entries, kind).and_then(pick);
    let Some(lambdo) = value(Kind::Lambdo) else {
        return;
    };
    let hand = value(Kind::Hand);
    let cell = |figure: Option<f64>| figure.map_or("–".to_owned(), format);
    let theirs = |figure: Option<f64>| match figure {
        Some(figure) => format!("{} | {}", format(figure), ratio(lambdo, Some(figure))),
        None => "– | –".to_owned(),
    };
    let _ = writeln!(
        md,
        "| {what} | {} | {} | **{}** | {} | {} |",
        format(lambdo),
        cell(hand),
        ratio(lambdo, hand),
        theirs(value(Kind::LambdaHttp)),
        theirs(value(Kind::Powertools)),
    );
}

/// lambdo's targets, each with its ratio in this run.
fn targets(md: &mut String, run: &Run) {
    let _ = writeln!(md, "## Targets\n");
    let _ = writeln!(md, "| target | ratio (this run) | met |");
    let _ = writeln!(md, "|---|---:|:---:|");
    let ratio_of = |id: &str, kind: Kind, pick: fn(&Entry<'_>) -> Option<f64>| -> Option<f64> {
        let index = run.workloads.iter().position(|workload| workload.id == id)?;
        let entries = entries(run, index);
        let lambdo = find(&entries, Kind::Lambdo).and_then(pick)?;
        let baseline = find(&entries, kind).and_then(pick)?;
        Some(lambdo / baseline)
    };
    let warm: fn(&Entry<'_>) -> Option<f64> = |entry| Some(entry.warm(|warm| warm.cpu_us).0);
    let cold: fn(&Entry<'_>) -> Option<f64> = |entry| Some(entry.cold(|cold| cold.first_response_ms).0);
    let instructions: fn(&Entry<'_>) -> Option<f64> = |entry| entry.figures.instructions.map(|i| i.cold);
    let size: fn(&Entry<'_>) -> Option<f64> = |entry| entry.contender.size.map(|bytes| bytes as f64);
    let rows: Vec<(String, Option<f64>, f64)> = vec![
        (
            "warm CPU, GET ≤ 0.5× hand-written".into(),
            ratio_of("http-get", Kind::Hand, warm),
            0.5,
        ),
        (
            "warm CPU, POST ≤ 0.5× hand-written".into(),
            ratio_of("http-post", Kind::Hand, warm),
            0.5,
        ),
        (
            "warm CPU, SQS batch of 10 ≤ 0.5× hand-written".into(),
            ratio_of("sqs10", Kind::Hand, warm),
            0.5,
        ),
        (
            "cold start, GET ≤ 1.0× lambda_http + axum (same capabilities)".into(),
            ratio_of("http-get", Kind::LambdaHttp, cold),
            1.0,
        ),
        (
            "cold start, GET ≤ 1.0× hand-written (no router)".into(),
            ratio_of("http-get", Kind::Hand, cold),
            1.0,
        ),
        (
            "cold start, SQS ≤ 1.0× hand-written".into(),
            ratio_of("sqs10", Kind::Hand, cold),
            1.0,
        ),
        (
            "instructions to first response, GET ≤ 1.0× lambda_http + axum".into(),
            ratio_of("http-get", Kind::LambdaHttp, instructions),
            1.0,
        ),
        (
            "instructions to first response, GET ≤ 1.0× hand-written".into(),
            ratio_of("http-get", Kind::Hand, instructions),
            1.0,
        ),
        (
            "instructions to first response, SQS ≤ 1.0× hand-written".into(),
            ratio_of("sqs10", Kind::Hand, instructions),
            1.0,
        ),
        (
            "stripped size, HTTP ≤ 1.0× lambda_http + axum".into(),
            ratio_of("http-get", Kind::LambdaHttp, size),
            1.0,
        ),
        (
            "stripped size, SQS only ≤ 1.0× hand-written".into(),
            ratio_of("sqs10", Kind::Hand, size),
            1.0,
        ),
    ];
    for (what, ratio, target) in rows {
        let (figure, met) = match ratio {
            Some(ratio) => (
                format!("{ratio:.2}"),
                if ratio <= target { "yes" } else { "**no**" },
            ),
            None => ("–".to_owned(), "–"),
        };
        let _ = writeln!(md, "| {what} | {figure} | {met} |");
    }
    let _ = writeln!(md, "\nCold start toward 0.75×: see the ratios above. Where a target is missed, the notes below say what the cost buys.\n");
}

fn cold_table(md: &mut String, run: &Run) {
    let _ = writeln!(md, "## Cold start\n");
    let _ = writeln!(
        md,
        "exec → first `/next` is the init phase (Lambda's `Init Duration`); exec → first response adds the first \
         invocation. CPU is the process's (all threads) by its first response; instructions are callgrind's, from exec \
         to the first response and the process's exit.\n"
    );
    let _ = writeln!(md, "| workload | contender | exec → first /next | exec → first response | × hand | CPU | instructions | × hand |");
    let _ = writeln!(md, "|---|---|---:|---:|---:|---:|---:|---:|");
    for (index, workload) in run.workloads.iter().enumerate() {
        let entries = entries(run, index);
        let hand = find(&entries, Kind::Hand);
        for entry in &entries {
            let first = entry.cold(|cold| cold.first_response_ms);
            let instructions = entry.figures.instructions.map(|i| i.cold);
            let _ = writeln!(
                md,
                "| {} | {} | {} | {} | {} | {} | {} | {} |",
                workload.title,
                entry.contender.name,
                ranged(ms, entry.cold(|cold| cold.init_ms)),
                ranged(ms, first),
                ratio(
                    first.0,
                    hand.map(|hand| hand.cold(|cold| cold.first_response_ms).0)
                ),
                ms(entry.cold(|cold| cold.cpu_ms).0),
                instructions.map_or("–".to_owned(), count),
                instructions.map_or("–".to_owned(), |mine| ratio(
                    mine,
                    hand.and_then(|hand| hand.figures.instructions.map(|i| i.cold))
                )),
            );
        }
    }
    let _ = writeln!(md);
}

fn warm_table(md: &mut String, run: &Run) {
    let _ = writeln!(md, "## Warm invocations\n");
    let _ = writeln!(
        md,
        "CPU per invocation is the process's user + system time over the round; invocations per second and latency \
         (queued → answered) are one invocation at a time through the emulator, its share included.\n"
    );
    let _ = writeln!(md, "| workload | invocations per round | contender | CPU / invocation | × hand | invocations/s | p50 | p99 | instructions / invocation | × hand |");
    let _ = writeln!(md, "|---|---:|---|---:|---:|---:|---:|---:|---:|---:|");
    for (index, workload) in run.workloads.iter().enumerate() {
        let entries = entries(run, index);
        let hand = find(&entries, Kind::Hand);
        for entry in &entries {
            let cpu = entry.warm(|warm| warm.cpu_us);
            let instructions = entry.figures.instructions.map(|i| i.warm);
            let _ = writeln!(
                md,
                "| {} | {} | {} | {} | {} | {:.0} | {} | {} | {} | {} |",
                workload.title,
                workload.invocations,
                entry.contender.name,
                ranged(us, cpu),
                ratio(cpu.0, hand.map(|hand| hand.warm(|warm| warm.cpu_us).0)),
                entry.warm(|warm| warm.per_second).0,
                us(entry.warm(|warm| warm.p50_us).0),
                us(entry.warm(|warm| warm.p99_us).0),
                instructions.map_or("–".to_owned(), count),
                instructions.map_or("–".to_owned(), |mine| ratio(
                    mine,
                    hand.and_then(|hand| hand.figures.instructions.map(|i| i.warm))
                )),
            );
        }
    }
    let _ = writeln!(md);
}

fn memory_table(md: &mut String, run: &Run) {
    let checkpoint = run.settings.rss_checkpoint;
    let _ = writeln!(md, "## Memory and size\n");
    let _ = writeln!(
        md,
        "Resident set after {checkpoint} warm invocations and after the round's last (growth between them), and its \
         peak; the bootstrap's size as built (release builds are stripped).\n"
    );
    let _ = writeln!(md, "| workload | contender | RSS after {checkpoint} | RSS at the end | growth | peak RSS | stripped size |");
    let _ = writeln!(md, "|---|---|---:|---:|---:|---:|---:|");
    for (index, workload) in run.workloads.iter().enumerate() {
        if workload.invocations <= checkpoint {
            continue;
        }
        for entry in entries(run, index) {
            let early = entry.warm(|warm| warm.rss_checkpoint_mb).0;
            let end = entry.warm(|warm| warm.rss_end_mb).0;
            let _ = writeln!(
                md,
                "| {} | {} | {} | {} | {:+.1} MB | {} | {} |",
                workload.title,
                entry.contender.name,
                mb(early),
                mb(end),
                end - early,
                mb(entry.warm(|warm| warm.peak_mb).0),
                entry
                    .contender
                    .size
                    .map_or("–".to_owned(), |bytes| format!("{:.2} MB", bytes as f64 / 1e6)),
            );
        }
    }
    let _ = writeln!(md);
}

fn scaling_table(md: &mut String, run: &Run) {
    let _ = writeln!(md, "## Batch scaling (SQS)\n");
    let _ = writeln!(md, "Warm CPU and instructions per record, by batch size.\n");
    let _ = writeln!(md, "| records | lambdo CPU / record | hand-written | ratio | Powertools | ratio | lambdo instructions / record | hand-written | ratio |");
    let _ = writeln!(md, "|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    for (index, workload) in run.workloads.iter().enumerate() {
        if !workload.id.starts_with("sqs") {
            continue;
        }
        let entries = entries(run, index);
        let records = workload.records as f64;
        let cpu = |kind| find(&entries, kind).map(|entry| entry.warm(|warm| warm.cpu_us).0 / records);
        let instructions = |kind| {
            find(&entries, kind)
                .and_then(|entry| entry.figures.instructions)
                .map(|i| i.warm / records)
        };
        let (Some(lambdo), Some(lambdo_instructions)) = (cpu(Kind::Lambdo), instructions(Kind::Lambdo))
        else {
            continue;
        };
        let cell = |value: Option<f64>, format: fn(f64) -> String| value.map_or("–".to_owned(), format);
        let _ = writeln!(
            md,
            "| {} | {:.2} µs | {} | {} | {} | {} | {} | {} | {} |",
            workload.records,
            lambdo,
            cell(cpu(Kind::Hand), |value| format!("{value:.2} µs")),
            ratio(lambdo, cpu(Kind::Hand)),
            cell(cpu(Kind::Powertools), |value| format!("{value:.2} µs")),
            ratio(lambdo, cpu(Kind::Powertools)),
            count(lambdo_instructions),
            cell(instructions(Kind::Hand), count),
            ratio(lambdo_instructions, instructions(Kind::Hand)),
        );
    }
    let _ = writeln!(md);
}

/// USD per million invocations of a function whose invocation takes `cpu_us` of CPU,
/// at `memory_mb`: the billed duration (CPU time over the memory's CPU share, rounded
/// up to Lambda's 1 ms) and the request fee.
fn usd_per_million(cpu_us: f64, memory_mb: f64) -> (f64, f64) {
    let share = (memory_mb / MB_PER_VCPU).min(1.0);
    let duration_ms = cpu_us / 1000.0 / share;
    let billed_ms = duration_ms.ceil().max(1.0);
    let usd = 1e6 * (USD_PER_REQUEST + billed_ms / 1000.0 * memory_mb / 1024.0 * USD_PER_GB_SECOND);
    (duration_ms, usd)
}

fn cost_table(md: &mut String, run: &Run) {
    let _ = writeln!(md, "## Cost\n");
    let _ = writeln!(
        md,
        "USD per million warm invocations from the measured CPU, at Lambda's x86 list price (us-east-1): \
         ${USD_PER_GB_SECOND} per GB-second, ${:.2} per million requests. Lambda gives CPU in proportion to memory \
         (one vCPU at {MB_PER_VCPU} MB): a {:.1}% share at 128 MB, {:.1}% at 1,024 MB, so an invocation lasts its \
         CPU time over that share (a floor: the Runtime API's round trip adds to it), billed in whole milliseconds.\n",
        USD_PER_REQUEST * 1e6,
        128.0 / MB_PER_VCPU * 100.0,
        1024.0 / MB_PER_VCPU * 100.0,
    );
    let _ = writeln!(md, "| workload | contender | CPU / invocation | at 128 MB: duration | USD / M | at 1,024 MB: duration | USD / M |");
    let _ = writeln!(md, "|---|---|---:|---:|---:|---:|---:|");
    for (index, workload) in run.workloads.iter().enumerate() {
        if matches!(workload.id, "sqs100" | "sqs1000") {
            continue;
        }
        for entry in entries(run, index) {
            let cpu = entry.warm(|warm| warm.cpu_us).0;
            let (small_ms, small_usd) = usd_per_million(cpu, 128.0);
            let (large_ms, large_usd) = usd_per_million(cpu, 1024.0);
            let _ = writeln!(
                md,
                "| {} | {} | {} | {small_ms:.2} ms | ${small_usd:.3} | {large_ms:.2} ms | ${large_usd:.3} |",
                workload.title,
                entry.contender.name,
                us(cpu),
            );
        }
    }
    let _ = writeln!(md);
}

fn method(md: &mut String, run: &Run) {
    let _ = writeln!(md, "## How it is measured\n");
    let _ = writeln!(
        md,
        "- Each process gets its own Runtime API (lambdo-testing's emulator, in the benchmark's process, which sends the \
         headers Lambda's does) and Lambda's environment at 128 MB; its output goes nowhere.\n\
         - CPU time is the sum of the process's threads' `/proc/<pid>/task/*/schedstat` (nanoseconds on a CPU), read \
         when the process waits on `/next`.\n\
         - Instruction counts are callgrind's over the whole process: per warm invocation, the difference between a run \
         of 1 and of 1 + n invocations, over n; Python only for single events and batches of 10.\n\
         - lambdo bootstraps run on a current-thread Tokio runtime (as lambdo's examples do), the hand-written ones on \
         `#[tokio::main]` with the cargo-lambda template's log subscriber, as their users write them; lambdo's SQS, \
         DynamoDB and empty bootstraps are built without lambdo's default features (`crates/lambdo-bench-minimal`).\n\
         - Workloads: {}.\n",
        run.workloads
            .iter()
            .map(|workload: &Workload| workload.title.as_str())
            .collect::<Vec<_>>()
            .join("; ")
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_civil() {
        assert_eq!(utc(0), "1970-01-01 00:00");
        assert_eq!(utc(1_796_300_000), "2026-12-03 12:13");
    }

    /// 100 µs of CPU at 128 MB lasts 1.38 ms, billed 2 ms: the request fee dominates.
    #[test]
    fn cost_follows_the_cpu_share() {
        let (duration, usd) = usd_per_million(100.0, 128.0);
        assert!((duration - 1.382).abs() < 0.01, "{duration}");
        assert!(
            (usd - (0.2 + 2e-3 * 0.125 * USD_PER_GB_SECOND * 1e6)).abs() < 1e-9,
            "{usd}"
        );
    }
}
