#!/usr/bin/env bash
# The end-to-end benchmark (crates/lambdo-bench/src/bin/e2e): release bootstraps as
# real processes under lambdo-testing's Runtime API, lambdo against hand-written
# `lambda_runtime`, `lambda_http::run` with the same axum router and Powertools for AWS
# Lambda (Python, under awslambdaric, from PyPI into .venv-bench), written up as
# BENCHMARKS.md with its charts in crates/lambdo-bench/charts.
#
#   scripts/bench-e2e.sh           the published run (~20 minutes)
#   scripts/bench-e2e.sh --tiny    one small round that shows every part works (CI;
#                                  debug builds, a report in a temporary folder)
set -euo pipefail
cd "$(dirname "$0")/.."

target="${CARGO_TARGET_DIR:-target}"
tiny=false
[[ "${1:-}" == --tiny ]] && tiny=true

profile=(--release)
bin="$target/release"
if $tiny; then
  profile=()
  bin="$target/debug"
fi
# Two builds: lambdo-bench-minimal alone, so that its lambdo has the features it names
# (sqs, dynamodb) and not the workspace's union.
cargo build "${profile[@]}" --locked -p lambdo-bench --bins
cargo build "${profile[@]}" --locked -p lambdo-bench-minimal --bins

export LAMBDO_BENCH_VENV="${LAMBDO_BENCH_VENV:-$PWD/.venv-bench}"
requirements=crates/lambdo-bench/python/requirements.txt
if ! cmp -s "$requirements" "$LAMBDO_BENCH_VENV/requirements.txt"; then
  python3 -m venv "$LAMBDO_BENCH_VENV"
  "$LAMBDO_BENCH_VENV/bin/pip" install --quiet --disable-pip-version-check -r "$requirements"
  cp "$requirements" "$LAMBDO_BENCH_VENV/requirements.txt"
fi

if $tiny; then
  out="$(mktemp -d)"
  trap 'rm -rf "$out"' EXIT
  "$bin/e2e" --tiny --bins "$bin" --out "$out/BENCHMARKS.md" --charts "$out/charts"
  # Every section and chart is there (the figures of a tiny round mean nothing).
  for section in Summary Targets "Cold start" "Warm invocations" "Memory and size" "Batch scaling" Cost; do
    grep -q "^## $section" "$out/BENCHMARKS.md" || { echo "BENCHMARKS.md lacks '$section'" >&2; exit 1; }
  done
  for chart in cold-start warm-cpu batch-scaling; do
    grep -q "<svg" "$out/charts/$chart.svg" || { echo "no chart $chart" >&2; exit 1; }
  done
  echo "the end-to-end benchmark works (tiny round, report in a temporary folder)"
else
  "$bin/e2e" --bins "$bin" --out BENCHMARKS.md --charts crates/lambdo-bench/charts
fi
