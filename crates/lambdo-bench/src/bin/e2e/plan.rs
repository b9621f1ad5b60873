//! What the benchmark runs: the workloads, each with its contenders, and how many times.

use std::path::PathBuf;

use serde_json::Value;

/// Who a contender is, for the tables' ratios and the targets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    /// lambdo's typed handlers.
    Lambdo,
    /// Hand-written `lambda_runtime` + `serde` + `aws_lambda_events`: the baseline.
    Hand,
    /// `lambda_http::run` with the same axum router.
    LambdaHttp,
    /// Powertools for AWS Lambda (Python) under awslambdaric.
    Powertools,
}

/// One bootstrap, as the benchmark starts it.
#[derive(Debug, Clone)]
pub(crate) struct Contender {
    pub(crate) kind: Kind,
    /// As the tables name it.
    pub(crate) name: String,
    /// The program and its arguments.
    pub(crate) program: PathBuf,
    /// Variables the process gets besides the Lambda environment.
    pub(crate) env: Vec<(String, String)>,
    /// The bootstrap's size on disk (release builds are stripped); none for Python.
    pub(crate) size: Option<u64>,
}

/// One event, sent to each of its contenders.
#[derive(Debug)]
pub(crate) struct Workload {
    /// Short, for file names and the progress bar.
    pub(crate) id: &'static str,
    /// As the tables name it.
    pub(crate) title: String,
    pub(crate) event: Value,
    /// Records in the event (1 for the HTTP and empty workloads).
    pub(crate) records: usize,
    pub(crate) contenders: Vec<Contender>,
    /// Warm invocations per round.
    pub(crate) invocations: usize,
    /// Extra invocations under callgrind: its per-invocation figure is the difference
    /// between a run of 1 + this many invocations and a run of 1, over this many.
    pub(crate) callgrind_invocations: usize,
}

/// How much of everything.
#[derive(Debug, Clone)]
pub(crate) struct Settings {
    /// Fresh processes per contender for the cold start.
    pub(crate) cold_runs: usize,
    /// Warm rounds per contender (each a fresh process).
    pub(crate) warm_rounds: usize,
    /// Warm invocations per round of a single-event workload.
    pub(crate) invocations: usize,
    /// When the warm round reads the resident set the first time.
    pub(crate) rss_checkpoint: usize,
    /// SQS batch sizes, for the scaling table.
    pub(crate) sqs_sizes: Vec<usize>,
    /// Python under callgrind too (tens of seconds per run).
    pub(crate) python_instructions: bool,
}

impl Settings {
    /// The published run.
    pub(crate) fn full() -> Settings {
        Settings {
            cold_runs: 21,
            warm_rounds: 3,
            invocations: 10_000,
            rss_checkpoint: 1_000,
            sqs_sizes: vec![10, 100, 1_000, 10_000],
            // Python's start alone is ~0.5 G instructions: minutes under callgrind per run.
            python_instructions: false,
        }
    }

    /// One small round that shows every part works (CI): no figure means anything.
    pub(crate) fn tiny() -> Settings {
        Settings {
            cold_runs: 2,
            warm_rounds: 1,
            invocations: 20,
            rss_checkpoint: 10,
            sqs_sizes: vec![10, 100],
            python_instructions: false,
        }
    }
}

/// Where the contenders' programs are.
#[derive(Debug)]
pub(crate) struct Programs {
    /// The Rust bootstraps (`target/release`).
    pub(crate) bins: PathBuf,
    /// `bootstrap-powertools`, or none to leave Python out.
    pub(crate) powertools: Option<PathBuf>,
}

impl Programs {
    fn rust(&self, kind: Kind, name: &str, file: &str) -> Contender {
        let program = self.bins.join(file);
        // lambdo's examples and docs run on a current-thread runtime; the hand-written
        // contenders on `#[tokio::main]`, as the cargo-lambda template writes them.
        let env = if kind == Kind::Lambdo {
            vec![("LAMBDO_BENCH_RUNTIME".to_owned(), "current_thread".to_owned())]
        } else {
            Vec::new()
        };
        Contender {
            kind,
            name: name.to_owned(),
            size: std::fs::metadata(&program).map(|meta| meta.len()).ok(),
            program,
            env,
        }
    }

    fn python(&self, handler: &str) -> Option<Contender> {
        self.powertools.as_ref().map(|program| Contender {
            kind: Kind::Powertools,
            name: "Powertools (Python)".to_owned(),
            program: program.clone(),
            env: vec![("POWERTOOLS_HANDLER".to_owned(), handler.to_owned())],
            size: None,
        })
    }
}

/// Every program is there, or the names of those missing.
pub(crate) fn check(workloads: &[Workload]) -> Result<(), String> {
    let missing: Vec<String> = workloads
        .iter()
        .flat_map(|workload| &workload.contenders)
        .filter(|contender| !contender.program.is_file())
        .map(|contender| contender.program.display().to_string())
        .collect();
    if missing.is_empty() {
        Ok(())
    } else {
        Err(format!("missing bootstraps: {}", missing.join(", ")))
    }
}

/// The workloads, in the order they run.
pub(crate) fn workloads(settings: &Settings, programs: &Programs) -> Vec<Workload> {
    let lambdo = |file: &str| programs.rust(Kind::Lambdo, "lambdo", file);
    let hand = |file: &str| programs.rust(Kind::Hand, "hand-written lambda_runtime", file);
    let http = || {
        let mut contenders = vec![
            lambdo("bootstrap-lambdo-http"),
            programs.rust(Kind::LambdaHttp, "lambda_http + axum", "bootstrap-lambda-http"),
            hand("bootstrap-hand-http"),
        ];
        contenders.extend(programs.python("http"));
        contenders
    };
    let with_python = |mut contenders: Vec<Contender>, handler: &str| {
        contenders.extend(programs.python(handler));
        contenders
    };
    let single = |id, title: &str, event, contenders| Workload {
        id,
        title: title.to_owned(),
        event,
        records: 1,
        contenders,
        invocations: settings.invocations,
        callgrind_invocations: if settings.invocations >= 1_000 { 200 } else { 5 },
    };
    let mut workloads = vec![
        single(
            "empty",
            "empty handler (direct invocation)",
            serde_json::json!({"hello": "world"}),
            with_python(
                vec![lambdo("bootstrap-lambdo-empty"), hand("bootstrap-hand-empty")],
                "empty",
            ),
        ),
        single(
            "http-get",
            "HTTP API v2 GET /todos/{id}",
            http_event("GET", "/todos/42", ""),
            http(),
        ),
        single(
            "http-post",
            "HTTP API v2 POST /todos (JSON)",
            http_event(
                "POST",
                "/todos",
                r#"{"title":"measure the whole process","completed":false}"#,
            ),
            http(),
        ),
    ];
    for &size in &settings.sqs_sizes {
        workloads.push(batch(
            settings,
            sqs_id(size),
            format!("SQS batch of {size}"),
            lambdo_bench::records::order_batch(size),
            size,
            with_python(
                vec![lambdo("bootstrap-lambdo-sqs"), hand("bootstrap-hand-sqs")],
                "sqs",
            ),
        ));
    }
    workloads.push(batch(
        settings,
        "dynamodb100",
        "DynamoDB Streams batch of 100 (typed images)".to_owned(),
        lambdo_bench::records::dynamodb_batch(100),
        100,
        with_python(
            vec![
                lambdo("bootstrap-lambdo-dynamodb"),
                hand("bootstrap-hand-dynamodb"),
            ],
            "dynamodb",
        ),
    ));
    workloads
}

/// The id of the SQS workload of `size` records.
pub(crate) fn sqs_id(size: usize) -> &'static str {
    match size {
        10 => "sqs10",
        100 => "sqs100",
        1_000 => "sqs1000",
        10_000 => "sqs10000",
        _ => "sqs",
    }
}

/// A batch workload: invocations scaled down so that each round handles about as many
/// records as a round of 1,000 single events, at least 20 invocations.
fn batch(
    settings: &Settings,
    id: &'static str,
    title: String,
    event: bytes::Bytes,
    records: usize,
    contenders: Vec<Contender>,
) -> Workload {
    let invocations =
        (settings.invocations * 10 / records).clamp(20.min(settings.invocations), settings.invocations);
    Workload {
        id,
        title,
        event: serde_json::from_slice(&event).expect("JSON"),
        records,
        contenders,
        invocations,
        callgrind_invocations: (invocations / 50).clamp(2, 200),
    }
}

fn http_event(method: &str, uri: &str, body: &str) -> Value {
    let request = http::Request::builder()
        .method(method)
        .uri(uri)
        .header("content-type", "application/json")
        .header("user-agent", "lambdo-bench")
        .body(body.to_owned())
        .expect("a request");
    lambdo_testing::HttpEvent::new(lambdo_testing::PayloadVersion::HttpV2).from_request(&request)
}
