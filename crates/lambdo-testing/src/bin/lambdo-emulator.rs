//! Runs a `bootstrap` binary the way Lambda does and serves the invoke endpoint, so a
//! person can `curl` it:
//!
//! ```text
//! cargo run -p lambdo-testing --bin lambdo-emulator -- target/lambda/todo-api/bootstrap
//! curl -d '{"todos":[]}' http://127.0.0.1:9000/2015-03-31/functions/function/invocations
//! ```
//!
//! Options: `--port N` (default 9000), `--timeout SECONDS` (default 3), `--name NAME`.

use std::{sync::Arc, time::Duration};

use lambdo_testing::{Emulator, FunctionConfig};

fn usage() -> ! {
    eprintln!("usage: lambdo-emulator [--port N] [--timeout SECONDS] [--name NAME] BOOTSTRAP");
    std::process::exit(2)
}

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let mut args = std::env::args().skip(1);
    let (mut port, mut timeout, mut name, mut bootstrap) = (9000u16, 3u64, None, None);
    while let Some(arg) = args.next() {
        let mut value = || args.next().unwrap_or_else(|| usage());
        match arg.as_str() {
            "--port" => port = value().parse().unwrap_or_else(|_| usage()),
            "--timeout" => timeout = value().parse().unwrap_or_else(|_| usage()),
            "--name" => name = Some(value()),
            "-h" | "--help" => usage(),
            _ if bootstrap.is_none() && !arg.starts_with('-') => bootstrap = Some(arg),
            _ => usage(),
        }
    }
    let Some(bootstrap) = bootstrap else { usage() };
    let mut config = FunctionConfig::new(&bootstrap)
        .timeout(Duration::from_secs(timeout))
        .echo_logs(true);
    if let Some(name) = name {
        config = config.name(name);
    }
    let function_name = config.function_name().to_owned();
    let emulator = Arc::new(Emulator::start(config).await?);
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await?;
    eprintln!(
        "lambdo-emulator: {function_name} ({bootstrap}); invoke with POST http://{}{}",
        listener.local_addr()?,
        lambdo::INVOKE_PATH
    );
    tokio::select! {
        served = Arc::clone(&emulator).serve_invoke(listener) => served?,
        _ = tokio::signal::ctrl_c() => {}
    }
    emulator.stop().await;
    Ok(())
}
