#!/usr/bin/env bash
# Regenerates the SAM CLI sample events in crates/lambdo-testing/fixtures/sam/ (one
# file per `sam local generate-event SERVICE COMMAND`, for the services lambdo has
# sources for), which tests/sources/corpus.rs drives through one app. Needs the dev
# venv (scripts/dev-tools.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
export SAM_CLI_TELEMETRY=0
sam="${LAMBDO_VENV:-$PWD/.venv}/bin/sam"
out=crates/lambdo-testing/fixtures/sam
mkdir -p "$out"
for service in alb apigateway cloudwatch cognito dynamodb kinesis s3 sns sqs; do
  commands="$("$sam" local generate-event "$service" --help | sed -n '/^Commands:/,$p' | tail -n +2 | awk '/^  [a-z]/ { print $1 }')"
  for command in $commands; do
    "$sam" local generate-event "$service" "$command" > "$out/$service-$command.json"
  done
done
ls "$out" | wc -l
