#!/usr/bin/env bash
# Installs the non-Rust tools the test suite needs into a project venv
# (default: .venv, or $LAMBDO_VENV). Re-running is cheap: it reinstalls only when
# requirements-dev.txt changed.
set -euo pipefail
cd "$(dirname "$0")/.."

venv="${LAMBDO_VENV:-$PWD/.venv}"
stamp="$venv/.requirements.sha256"
wanted="$(sha256sum requirements-dev.txt | cut -d' ' -f1)"

if [[ -f "$stamp" && "$(cat "$stamp")" == "$wanted" ]]; then
  exit 0
fi

command -v python3 >/dev/null || { echo "python3 is required (apt-get install python3 python3-venv)" >&2; exit 1; }
if ! python3 -m venv --help >/dev/null 2>&1; then
  apt-get update -qq && apt-get install -y -qq python3-venv
fi

echo "dev-tools: installing $(grep -v '^#' requirements-dev.txt | xargs) into $venv"
python3 -m venv "$venv"
"$venv/bin/pip" install --quiet --disable-pip-version-check -r requirements-dev.txt
echo "$wanted" > "$stamp"
