#!/usr/bin/env bash
# Runs lambdo's cargo-fuzz targets (fuzz/fuzz_targets) for SECONDS each (default 20),
# seeded with the sample events. The test suite runs them briefly, built unoptimized
# (--dev: a build of minutes, not ten); for a long run, optimized:
#   scripts/fuzz.sh 3600            # an hour per target
#   scripts/fuzz.sh 600 event       # one target
#   scripts/fuzz.sh --dev 15        # what the test suite runs
# cargo-fuzz comes from crates.io (into .tools, or $LAMBDO_TOOLS: see dev-tools.sh) and
# runs on the stable toolchain with RUSTC_BOOTSTRAP=1, without a sanitizer (-s none).
set -euo pipefail
cd "$(dirname "$0")/.."

profile=(--release)
if [[ "${1:-}" == --dev ]]; then
  profile=(--dev)
  shift
fi
seconds="${1:-20}"
shift || true
targets=("$@")
[[ ${#targets[@]} -gt 0 ]] || targets=(event http_event dynamodb_image cursor)
tools="${LAMBDO_TOOLS:-$PWD/.tools}"
target_dir="${CARGO_TARGET_DIR:-$PWD/target}/fuzz"
export RUSTC_BOOTSTRAP=1

# Seeds: every sample event for `event`, their DynamoDB images for `dynamodb_image`
# (the corpus is work space, not source: it lives in the build directory).
corpus="$target_dir/corpus"
mkdir -p "$corpus"/{event,http_event,dynamodb_image,cursor}
"${LAMBDO_VENV:-$PWD/.venv}/bin/python" - "$corpus" <<'PY'
import glob, hashlib, json, os, sys
corpus = sys.argv[1]
home = os.environ.get("CARGO_HOME", os.path.expanduser("~/.cargo"))
files = glob.glob(f"{home}/registry/src/*/aws_lambda_events-*/src/fixtures/*.json")
files += glob.glob("crates/lambdo-testing/fixtures/sam/**/*.json", recursive=True)
def put(target, data):
    name = hashlib.sha1(data).hexdigest()
    with open(os.path.join(corpus, target, name), "wb") as out:
        out.write(data)
for path in files:
    data = open(path, "rb").read()
    put("event", data)
    try:
        event = json.loads(data)
    except ValueError:
        continue
    for record in event.get("Records", []) if isinstance(event, dict) else []:
        image = isinstance(record, dict) and record.get("dynamodb", {}).get("NewImage")
        if image:
            put("dynamodb_image", json.dumps(image).encode())
PY

log="$(mktemp)"
trap 'rm -f "$log"' EXIT
for target in "${targets[@]}"; do
  echo "fuzz: $target for ${seconds}s"
  if ! "$tools/bin/cargo-fuzz" run --fuzz-dir fuzz -s none "${profile[@]}" --target-dir "$target_dir" "$target" "$corpus/$target" -- \
    -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 >"$log" 2>&1; then
    tail -n 60 "$log"
    echo "fuzz: $target failed (a crashing input is in fuzz/artifacts/$target)" >&2
    exit 1
  fi
  grep -E "^stat::number_of_executed_units|^#[0-9]+ *DONE" "$log" || true
done
echo "fuzz: ${targets[*]} ran clean"
