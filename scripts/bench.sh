#!/usr/bin/env bash
# Side-by-side cost of one HTTP event → routed handler → response, per payload version:
# lambdo against axum on lambda_http (and a hand-written HTTP API v2 handler); then
# batches of records (SQS, Kinesis, DynamoDB Streams, SNS) per record, lambdo against
# the hand-written aws_lambda_events consumer.
#
#   scripts/bench.sh            callgrind instruction counts (repeatable on a busy machine)
#   scripts/bench.sh criterion  wall-clock figures from criterion, with the same ratios
#   scripts/bench.sh wall       the batches' wall-clock time per record, fastest of 9 runs
#
# Record batches are also measured "with logs": lambdo with the subscriber it installs in
# Lambda (LAMBDO_BENCH_LOGS=1 in the profile example), and "with X-Ray": the same with
# active tracing, every invocation sampled (LAMBDO_BENCH_XRAY=1).
set -euo pipefail
cd "$(dirname "$0")/.."

if [[ "${1:-callgrind}" == "criterion" ]]; then
  exec cargo bench -p lambdo-bench --bench events
fi

if [[ "${1:-callgrind}" == "wall" ]]; then
  cargo build --release -p lambdo-bench --example profile
  profile="${CARGO_TARGET_DIR:-target}/release/examples/profile"
  # The fastest of 9 runs (the variants taking turns): the run least disturbed by
  # whatever else the machine does. Microseconds per record.
  fastest() {
    local runs="$1" records="$2"
    shift 2
    for _ in 1 2 3 4 5 6 7 8 9; do
      "$profile" "$@" "$runs" | sed -n 's/.*, \([0-9]*\) ns per run/\1/p'
    done | sort -n | head -1 | awk -v n="$records" '{ printf "%.2f", $1 / n / 1000 }'
  }
  printf '%-16s %12s %10s %14s %10s %14s %14s %12s\n' batch "lambdo (µs)" "with logs" "hand-written" floor \
    "lambdo/hand" "w. logs/hand" "floor/hand"
  for spec in sqs:10 sqs:10000 kinesis:100 dynamodb:100 sns:1; do
    source="${spec%%:*}"
    records="${spec##*:}"
    runs=$(( 200000 / records ))
    ours="$(fastest "$runs" "$records" "lambdo_$source" "$source$records")"
    hand="$(fastest "$runs" "$records" "hand_written_$source" "$source$records")"
    floor="$(fastest "$runs" "$records" "borrowed_$source" "$source$records")"
    floor_ratio="$(awk -v a="$floor" -v b="$hand" 'BEGIN { printf "%.2f", a / b }')"
    ratio="$(awk -v a="$ours" -v b="$hand" 'BEGIN { printf "%.2f", a / b }')"
    logged="$(LAMBDO_BENCH_LOGS=1 fastest "$runs" "$records" "lambdo_$source" "$source$records")"
    logged_ratio="$(awk -v a="$logged" -v b="$hand" 'BEGIN { printf "%.2f", a / b }')"
    printf '%-16s %12s %10s %14s %10s %14s %14s %12s\n' "$source $records" "$ours" "$logged" "$hand" "$floor" \
      "$ratio" "$logged_ratio" "$floor_ratio"
  done
  exit 0
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
# What logs and tracing add to an invocation (lambdo, HTTP API v2).
logged_base="$(LAMBDO_BENCH_LOGS=1 instructions lambdo http_api_v2 0)"
traced_base="$(LAMBDO_BENCH_XRAY=1 instructions lambdo http_api_v2 0)"
logged=$(( ($(LAMBDO_BENCH_LOGS=1 instructions lambdo http_api_v2 $runs) - logged_base) / runs ))
traced=$(( ($(LAMBDO_BENCH_XRAY=1 instructions lambdo http_api_v2 $runs) - traced_base) / runs ))
echo "http_api_v2 with logs: $logged instr; with logs and X-Ray (one subsegment): $traced instr"

# Record sources, per record, against the hand-written consumer on aws_lambda_events:
# SQS in a 10- and a 10,000-record batch, Kinesis and DynamoDB Streams in 100-record
# batches, SNS in its one-record events. For SQS, Kinesis and SNS also the floor: the
# envelope read borrowed by serde_json and the payload decoded, with no framework.
echo
# "with logs": lambdo with the subscriber it installs in Lambda (JSON lines, level info;
# written nowhere), so each failure's log line (and any span) costs what it costs in a
# deployment. The other columns run with no subscriber.
printf '%-16s %18s %12s %12s %16s %12s %14s %14s %12s\n' batch "lambdo (instr/rec)" "with logs" "with X-Ray" \
  "hand-written" "floor" "lambdo/hand" "w. logs/hand" "floor/hand"
for spec in sqs:10 sqs:10000 kinesis:100 dynamodb:100 sns:1; do
  source="${spec%%:*}"
  records="${spec##*:}"
  batches=$(( 20000 / records ))
  base_records="$(instructions "lambdo_$source" "$source$records" 0)"
  per_record() { echo $(( ($(instructions "$1" "$source$records" $batches) - base_records) / (batches * records) )); }
  ours="$(per_record "lambdo_$source")"
  hand="$(per_record "hand_written_$source")"
  logged_base="$(LAMBDO_BENCH_LOGS=1 instructions "lambdo_$source" "$source$records" 0)"
  logged="$(LAMBDO_BENCH_LOGS=1 instructions "lambdo_$source" "$source$records" $batches)"
  logged=$(( (logged - logged_base) / (batches * records) ))
  traced_base="$(LAMBDO_BENCH_XRAY=1 instructions "lambdo_$source" "$source$records" 0)"
  traced="$(LAMBDO_BENCH_XRAY=1 instructions "lambdo_$source" "$source$records" $batches)"
  traced=$(( (traced - traced_base) / (batches * records) ))
  logged_ratio="$(awk -v a="$logged" -v b="$hand" 'BEGIN { printf "%.2f", a / b }')"
  floor="$(per_record "borrowed_$source")"
  floor_ratio="$(awk -v a="$floor" -v b="$hand" 'BEGIN { printf "%.2f", a / b }')"
  ratio="$(awk -v a="$ours" -v b="$hand" 'BEGIN { printf "%.2f", a / b }')"
  printf '%-16s %18s %12s %12s %16s %12s %14s %14s %12s\n' "$source $records" "$ours" "$logged" "$traced" \
    "$hand" "$floor" "$ratio" "$logged_ratio" "$floor_ratio"
done
