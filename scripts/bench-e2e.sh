#!/usr/bin/env bash
# Whole bootstraps as real processes under lambdo-testing's Runtime API, contenders
# taking turns: lambdo (on a current-thread and on the default multi-threaded Tokio
# runtime) against `lambda_http::run` with the same axum router and a hand-written
# `lambda_runtime` SQS consumer, both as users write them (`#[tokio::main]`). Prints the
# machine's load, then for HTTP API v2 GET, JSON POST and SQS batches of 10: warm CPU
# per invocation (/proc, median of rounds), cold start (exec → first response) and
# callgrind instruction counts (cold start, per warm invocation).
#
#   scripts/bench-e2e.sh            the figures of README.md's "Whole bootstraps"
set -euo pipefail
cd "$(dirname "$0")/.."

cargo build --release --locked -p lambdo-bench --bins
bin="${CARGO_TARGET_DIR:-target}/release"
one_thread=LAMBDO_BENCH_RUNTIME=current_thread
http=("$one_thread@$bin/bootstrap-lambdo-http" "$bin/bootstrap-lambdo-http" "$bin/bootstrap-lambda-http")
sqs=("$one_thread@$bin/bootstrap-lambdo-sqs" "$bin/bootstrap-lambdo-sqs" "$bin/bootstrap-hand-sqs")

echo "machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"
for workload in http-get http-post sqs10; do
  contenders=("${http[@]}")
  [[ "$workload" == sqs10 ]] && contenders=("${sqs[@]}")
  echo
  echo "## $workload"
  "$bin/e2e" warm "$workload" 10000 3 "${contenders[@]}"
  "$bin/e2e" cold "$workload" 31 "${contenders[@]}"
  # Instruction counts: one thread or several makes no difference to them.
  "$bin/e2e" instructions "$workload" "${contenders[@]:1}"
done
echo
echo "machine afterwards: load average $(cut -d' ' -f1-3 /proc/loadavg)"
