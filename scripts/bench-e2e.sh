#!/usr/bin/env bash
# Whole bootstraps as real processes under lambdo-testing's Runtime API, contenders
# taking turns: lambdo (on a current-thread and on the default multi-threaded Tokio
# runtime) against `lambda_http::run` with the same axum router and a hand-written
# `lambda_runtime` SQS consumer, both as users write them (`#[tokio::main]`), and
# Powertools for AWS Lambda (Python: APIGatewayHttpResolver, BatchProcessor) under
# awslambdaric (PyPI, into .venv-bench; crates/lambdo-bench/python). Prints the
# machine's load, then for HTTP API v2 GET, JSON POST and SQS batches of 10: warm CPU
# per invocation (/proc, median of rounds), cold start (exec → first response) and
# callgrind instruction counts (cold start, per warm invocation).
#
#   scripts/bench-e2e.sh            the figures of README.md's "Whole bootstraps"
set -euo pipefail
cd "$(dirname "$0")/.."

cargo build --release --locked -p lambdo-bench --bins
bin="${CARGO_TARGET_DIR:-target}/release"

export LAMBDO_BENCH_VENV="${LAMBDO_BENCH_VENV:-$PWD/.venv-bench}"
requirements=crates/lambdo-bench/python/requirements.txt
if ! cmp -s "$requirements" "$LAMBDO_BENCH_VENV/requirements.txt"; then
  python3 -m venv "$LAMBDO_BENCH_VENV"
  "$LAMBDO_BENCH_VENV/bin/pip" install --quiet --disable-pip-version-check -r "$requirements"
  cp "$requirements" "$LAMBDO_BENCH_VENV/requirements.txt"
fi
powertools="$PWD/crates/lambdo-bench/python/bootstrap-powertools"

one_thread=LAMBDO_BENCH_RUNTIME=current_thread
http=("$one_thread@$bin/bootstrap-lambdo-http" "$bin/bootstrap-lambdo-http" "$powertools" "$bin/bootstrap-lambda-http")
sqs=("$one_thread@$bin/bootstrap-lambdo-sqs" "$bin/bootstrap-lambdo-sqs" "POWERTOOLS_HANDLER=sqs@$powertools" "$bin/bootstrap-hand-sqs")

echo "machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"
for workload in http-get http-post sqs10; do
  contenders=("${http[@]}")
  [[ "$workload" == sqs10 ]] && contenders=("${sqs[@]}")
  echo
  echo "## $workload"
  "$bin/e2e" warm "$workload" 10000 3 "${contenders[@]}"
  "$bin/e2e" cold "$workload" 31 "${contenders[@]}"
  # Instruction counts of the Rust bootstraps (one thread or several makes no
  # difference to them; Python under callgrind would take the rest of the day).
  "$bin/e2e" instructions "$workload" "${contenders[1]}" "${contenders[3]}"
done
echo
echo "machine afterwards: load average $(cut -d' ' -f1-3 /proc/loadavg)"
