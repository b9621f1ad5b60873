#!/usr/bin/env bash
# The whole test suite: formatting, lints, unit/integration/doc tests, docs, template
# validation. Installs what it needs (see scripts/dev-tools.sh) on a fresh machine.
set -euo pipefail
cd "$(dirname "$0")/.."

export SAM_CLI_TELEMETRY=0
export AWS_DEFAULT_REGION="${AWS_DEFAULT_REGION:-eu-central-1}"
venv="${LAMBDO_VENV:-$PWD/.venv}"

step() { printf '\n==> %s\n' "$*"; }

step "tools"
scripts/dev-tools.sh

step "cargo fmt --check"
cargo fmt --all -- --check

step "cargo clippy -D warnings"
cargo clippy --workspace --all-targets --locked -- -D warnings

step "release bootstraps of every example (driven by tests/example_bootstraps.rs)"
examples=()
for dir in examples/*/; do examples+=(-p "$(basename "$dir")"); done
cargo build --release --locked --bins "${examples[@]}"

step "cargo test (unit, integration, process and doc tests)"
cargo test --workspace --locked

step "cargo doc (every public item documented)"
RUSTDOCFLAGS="-D warnings" cargo doc --workspace --no-deps --locked

step "template.yaml: cfn-lint and sam validate --lint"
"$venv/bin/cfn-lint" template.yaml
"$venv/bin/sam" validate --lint --template-file template.yaml

step "all checks passed"
