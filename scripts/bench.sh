#!/usr/bin/env bash
# Side-by-side cost of one HTTP event → routed handler → response, per payload version:
# lambdo against axum on lambda_http (and a hand-written HTTP API v2 handler); then
# batches of records (SQS, Kinesis, DynamoDB Streams, SNS) per record, lambdo against
# the hand-written aws_lambda_events consumer.
#
#   scripts/bench.sh            callgrind instruction counts (repeatable on a busy machine)
#   scripts/bench.sh criterion  wall-clock figures from criterion, with the same ratios
set -euo pipefail
cd "$(dirname "$0")/.."

if [[ "${1:-callgrind}" == "criterion" ]]; then
  exec cargo bench -p lambdo-bench --bench http_event
fi

command -v valgrind >/dev/null || { apt-get update -qq && apt-get install -y -qq valgrind; }
cargo build --release -p lambdo-bench --example profile
target_dir="${CARGO_TARGET_DIR:-target}"
profile="$target_dir/release/examples/profile"
runs=2000

instructions() {
  local out
  out="$(mktemp)"
  valgrind --tool=callgrind --callgrind-out-file="$out" "$profile" "$@" 2>&1 | sed -n 's/.*refs: *//p' | tr -d ,
  rm -f "$out"
}

# The process's fixed start-up cost, subtracted so the figures are per event.
base="$(instructions lambdo http_api_v2 0)"
printf '%-14s %16s %18s %16s %14s\n' payload "lambdo (instr)" "lambda_http+axum" "hand-written" "lambdo/axum"
for payload in http_api_v2 rest_v1 alb function_url; do
  ours=$(( ($(instructions lambdo "$payload" $runs) - base) / runs ))
  theirs=$(( ($(instructions lambda_http "$payload" $runs) - base) / runs ))
  hand="-"
  if [[ "$payload" == "http_api_v2" ]]; then
    hand=$(( ($(instructions hand_written "$payload" $runs) - base) / runs ))
  fi
  ratio="$(awk -v a="$ours" -v b="$theirs" 'BEGIN { printf "%.2f", a / b }')"
  printf '%-14s %16s %18s %16s %14s\n' "$payload" "$ours" "$theirs" "$hand" "$ratio"
done

# Record sources, per record, against the hand-written consumer on aws_lambda_events:
# SQS in a 10- and a 10,000-record batch, Kinesis and DynamoDB Streams in 100-record
# batches, SNS in its one-record events.
echo
printf '%-16s %18s %16s %14s\n' batch "lambdo (instr/rec)" "hand-written" "lambdo/hand"
for spec in sqs:10 sqs:10000 kinesis:100 dynamodb:100 sns:1; do
  source="${spec%%:*}"
  records="${spec##*:}"
  batches=$(( 20000 / records ))
  base_records="$(instructions "lambdo_$source" "$source$records" 0)"
  ours=$(( ($(instructions "lambdo_$source" "$source$records" $batches) - base_records) / (batches * records) ))
  hand=$(( ($(instructions "hand_written_$source" "$source$records" $batches) - base_records) / (batches * records) ))
  ratio="$(awk -v a="$ours" -v b="$hand" 'BEGIN { printf "%.2f", a / b }')"
  printf '%-16s %18s %16s %14s\n' "$source $records" "$ours" "$hand" "$ratio"
done
