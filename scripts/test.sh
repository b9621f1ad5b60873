#!/usr/bin/env bash
# The whole test suite: formatting, lints, unit/integration/doc tests (DynamoDB code
# against a moto server started here), docs, template validation. Installs what it
# needs (see scripts/dev-tools.sh) on a fresh machine.
set -euo pipefail
cd "$(dirname "$0")/.."

export SAM_CLI_TELEMETRY=0
export AWS_DEFAULT_REGION="${AWS_DEFAULT_REGION:-eu-central-1}"
venv="${LAMBDO_VENV:-$PWD/.venv}"

step() { printf '\n==> %s\n' "$*"; }

step "disk"
# Builds and test binaries need several GB; a full disk fails late and obscurely
# (the linker dies with SIGBUS), so say it first.
target_dir="${CARGO_TARGET_DIR:-$PWD/target}"
mkdir -p "$target_dir"
free_mb="$(df -Pm "$target_dir" | awk 'NR == 2 { print $4 }')"
echo "$free_mb MB free for $target_dir"
if [ "$free_mb" -lt 6000 ]; then
  echo "warning: under 6 GB free; the build may run out of disk" >&2
fi

step "tools"
scripts/dev-tools.sh

step "cargo fmt --check"
cargo fmt --all -- --check

step "cargo deny: licences, banned duplicates, sources (deny.toml)"
"${LAMBDO_TOOLS:-$PWD/.tools}/bin/cargo-deny" check licenses bans sources

step "cargo clippy -D warnings"
cargo clippy --workspace --all-targets --locked -- -D warnings

step "Cargo features: each alone builds (cargo hack); an SQS-only function has no HTTP stack"
# One feature at a time, and none: the library crates' `#[cfg]`s and their dependencies'
# features. Without dev-dependencies (cargo-hack takes them out while it runs), as a
# user's build has them.
"${LAMBDO_TOOLS:-$PWD/.tools}/bin/cargo-hack" hack check --each-feature --no-dev-deps \
  -p lambdo -p lambdo-dynamodb -p lambdo-parameters
if cargo tree --locked -p order-worker -e normal --prefix none | grep -E '^(axum|lambda_http|tower-http) '; then
  echo "order-worker (lambdo with sqs and metrics only) depends on the HTTP stack above" >&2
  exit 1
fi

step "cargo package: the crates meant for crates.io package, and build from their packages alone"
# Together, so that each one's lambdo dependency resolves to the packaged lambdo (a
# local registry cargo makes). --allow-dirty: a working tree with edits is tested too.
cargo package --locked --allow-dirty --quiet \
  -p lambdo -p lambdo-dynamodb -p lambdo-testing -p lambdo-parameters

step "release bootstraps of every example (driven by tests/example_bootstraps.rs)"
examples=()
for dir in examples/*/; do examples+=(-p "$(basename "$dir")"); done
cargo build --release --locked --bins "${examples[@]}"

step "moto server: a DynamoDB API on a free loopback port for lambdo-dynamodb's tests"
port="$("$venv/bin/python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
moto_log="$(mktemp)"
"$venv/bin/moto_server" -H 127.0.0.1 -p "$port" >"$moto_log" 2>&1 &
moto_pid=$!
trap 'kill "$moto_pid" 2>/dev/null || true; rm -f "$moto_log"' EXIT
for _ in $(seq 1 150); do
  if "$venv/bin/python" -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:$port/moto-api/', timeout=1)" 2>/dev/null; then
    break
  fi
  kill -0 "$moto_pid" 2>/dev/null || { cat "$moto_log" >&2; echo "moto_server exited" >&2; exit 1; }
  sleep 0.2
done
export LAMBDO_DYNAMODB_ENDPOINT="http://127.0.0.1:$port"
echo "moto_server on $LAMBDO_DYNAMODB_ENDPOINT"

step "cargo test (unit, integration, process and doc tests)"
cargo test --workspace --locked

step "cargo lambda watch and invoke on the examples (scripts/cargo-lambda-check.sh)"
scripts/cargo-lambda-check.sh

step "cargo lambda deploy makes the function template.yaml does (tests/deploy/check.py; order-worker deployed to moto)"
PATH="$venv/bin:$PATH" "$venv/bin/python" tests/deploy/check.py template.yaml \
  --deploy order-worker --endpoint "$LAMBDO_DYNAMODB_ENDPOINT"

step "end-to-end benchmark, one tiny round (scripts/bench-e2e.sh --tiny; it never asserts on speed)"
scripts/bench-e2e.sh --tiny

step "fuzz targets, briefly (scripts/fuzz.sh; long runs: see SECURITY.md)"
scripts/fuzz.sh --dev 15

step "cargo doc (every public item documented)"
RUSTDOCFLAGS="-D warnings" cargo doc --workspace --no-deps --locked

step "template.yaml: cfn-lint and sam validate --lint"
"$venv/bin/cfn-lint" template.yaml
"$venv/bin/sam" validate --lint --template-file template.yaml

step "template.yaml: lambdo's rules (least privilege, log retention, no lost records)"
"$venv/bin/python" tests/template/check.py template.yaml

step "all checks passed"
