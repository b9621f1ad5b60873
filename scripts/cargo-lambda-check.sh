#!/usr/bin/env bash
# lambdo under the tools Rust Lambda users run every day: `cargo lambda watch` serving the
# examples, called through its Function URL proxy and with `cargo lambda invoke` (an HTTP
# API event, an SQS batch). cargo-lambda comes from PyPI into the project venv
# (scripts/dev-tools.sh). scripts/test.sh runs it; on its own:
#
#   scripts/cargo-lambda-check.sh
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/dev-tools.sh
venv="${LAMBDO_VENV:-$PWD/.venv}"
export PATH="$venv/bin:$PATH"
# A free loopback port, unless one is given.
port="${LAMBDO_WATCH_PORT:-$("$venv/bin/python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')}"
work="$(mktemp -d)"

# Its own process group, so that stopping it stops the functions it started too.
# todo-api keeps its todos in memory only when told to (it would refuse to start).
setsid cargo lambda watch --invoke-address 127.0.0.1 --invoke-port "$port" --ignore-changes \
  --env-var TODO_STORE=memory \
  >"$work/watch.log" 2>&1 &
watch=$!
stop() {
  kill -- "-$watch" 2>/dev/null || true
  wait "$watch" 2>/dev/null || true
  rm -rf "$work"
}
trap stop EXIT
fail() {
  echo "cargo-lambda-check: $*" >&2
  echo "--- cargo lambda watch said:" >&2
  tail -40 "$work/watch.log" >&2
  exit 1
}
for _ in $(seq 1 150); do
  grep -q "starting Runtime server" "$work/watch.log" && break
  kill -0 "$watch" 2>/dev/null || fail "cargo lambda watch did not start"
  sleep 0.2
done
url="http://127.0.0.1:$port"

# The Function URL proxy: what a browser or curl sees.
# The first request builds the function (a debug build, shared with the test suite's).
status="$(curl -s -m 600 -o "$work/list.json" -w '%{http_code}' "$url/lambda-url/todo-api/todos")"
[[ "$status" == 200 && "$(cat "$work/list.json")" == "[]" ]] || fail "GET /todos through the proxy: $status $(cat "$work/list.json")"
status="$(curl -s -m 60 -o "$work/created.json" -w '%{http_code}' -H 'content-type: application/json' \
  -d '{"title":"try cargo lambda watch"}' "$url/lambda-url/todo-api/todos")"
[[ "$status" == 201 ]] || fail "POST /todos through the proxy: $status $(cat "$work/created.json")"
status="$(curl -s -m 60 -o "$work/problem.json" -w '%{http_code}' -H 'content-type: application/json' \
  -d '{"title":' "$url/lambda-url/todo-api/todos")"
[[ "$status" == 400 ]] || fail "malformed JSON through the proxy: $status $(cat "$work/problem.json")"
# Streamed to the proxy, read whole by curl.
curl -s -m 60 "$url/lambda-url/todo-api/todos/export" | grep -q '"title":"try cargo lambda watch"' \
  || fail "GET /todos/export through the proxy"

# `cargo lambda invoke` with an HTTP API event and an SQS batch.
python3 - "$work" <<'PY'
import json, sys
work = sys.argv[1]
http = json.load(open("crates/lambdo-testing/fixtures/http/apigw-http-v2.json"))
http["rawPath"] = "/todos"
http["rawQueryString"] = ""
http.pop("queryStringParameters", None)
http.pop("pathParameters", None)
http["requestContext"]["http"]["path"] = "/todos"
json.dump(http, open(f"{work}/http.json", "w"))
def message(n, quantity):
    return {
        "messageId": f"m-{n}", "receiptHandle": f"r-{n}",
        "body": json.dumps({"orderId": f"o-{n}", "sku": "book", "quantity": quantity}),
        "attributes": {"ApproximateReceiveCount": "1", "SentTimestamp": "1700000000000",
                       "SenderId": "AIDA", "ApproximateFirstReceiveTimestamp": "1700000000001"},
        "messageAttributes": {}, "md5OfBody": "0", "eventSource": "aws:sqs",
        "eventSourceARN": "arn:aws:sqs:eu-central-1:123456789012:orders", "awsRegion": "eu-central-1",
    }
json.dump({"Records": [message(1, 2), message(2, 0), message(3, 1)]}, open(f"{work}/sqs.json", "w"))
PY
cargo lambda invoke todo-api --invoke-address 127.0.0.1 --invoke-port "$port" \
  --data-file "$work/http.json" --output-format json >"$work/http-answer.json" 2>"$work/invoke.err" \
  || fail "cargo lambda invoke todo-api: $(cat "$work/invoke.err")"
python3 -c '
import json, sys
answer = json.load(open(sys.argv[1]))
todos = json.loads(answer["body"])
assert answer["statusCode"] == 200 and [t["title"] for t in todos] == ["try cargo lambda watch"], answer
' "$work/http-answer.json" || fail "the HTTP API answer: $(cat "$work/http-answer.json")"
cargo lambda invoke order-worker --invoke-address 127.0.0.1 --invoke-port "$port" \
  --data-file "$work/sqs.json" --output-format json >"$work/sqs-answer.json" 2>"$work/invoke.err" \
  || fail "cargo lambda invoke order-worker: $(cat "$work/invoke.err")"
python3 -c '
import json, sys
answer = json.load(open(sys.argv[1]))
assert answer == {"batchItemFailures": [{"itemIdentifier": "m-2"}]}, answer
' "$work/sqs-answer.json" || fail "the SQS batch answer: $(cat "$work/sqs-answer.json")"
# cargo lambda watch's constant deadline (600000) is not taken for a deadline in 1970.
grep -q "invocations run without a deadline" "$work/watch.log" || fail "no word on the deadline"
! grep -q "deadline is too close" "$work/watch.log" || fail "records failed on the deadline"
echo "cargo-lambda-check: cargo lambda watch and invoke answer as expected"
