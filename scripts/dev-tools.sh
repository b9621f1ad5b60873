#!/usr/bin/env bash
# Installs what the test suite needs beyond a Rust toolchain: rustfmt and clippy (via
# rustup, when missing), cargo-deny, cargo-fuzz and cargo-hack (crates.io, into .tools or
# $LAMBDO_TOOLS; libFuzzer needs a C++ compiler, from Debian when missing), valgrind and
# Python 3 with venv (Debian packages, when missing), and the Python tools of
# requirements-dev.txt in a project venv (default: .venv, or $LAMBDO_VENV). Re-running is cheap: the venv is rebuilt only when
# requirements-dev.txt changed.
set -euo pipefail
cd "$(dirname "$0")/.."

cargo fmt --version >/dev/null 2>&1 || rustup component add rustfmt
cargo clippy --version >/dev/null 2>&1 || rustup component add clippy
# The examples deploy on arm64 (Graviton), as template.yaml says: `cargo lambda build`
# cross-compiles them with Zig (from cargo-lambda's PyPI package) and this target.
rustup target list --installed | grep -qx aarch64-unknown-linux-gnu || rustup target add aarch64-unknown-linux-gnu

apt_install() {
  local sudo=()
  [[ "$(id -u)" == 0 ]] || sudo=(sudo)
  "${sudo[@]}" apt-get update -qq
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@"
}
command -v python3 >/dev/null || apt_install python3 python3-venv
command -v c++ >/dev/null || apt_install g++
# The end-to-end benchmark's round in the suite counts instructions with callgrind.
command -v valgrind >/dev/null || apt_install valgrind
# Debian's python3 has the venv module but not ensurepip, which creating a venv needs.
python3 -c 'import ensurepip, venv' >/dev/null 2>&1 || apt_install python3-venv

# Tools from crates.io, built once into a cache outside the build tree (default: .tools,
# or $LAMBDO_TOOLS) and rebuilt only for another version.
tools="${LAMBDO_TOOLS:-$PWD/.tools}"
cargo_tool() {
  # $4: the subcommand that answers `--version`, for tools that need one.
  local crate="$1" version="$2" binary="$3" subcommand=("${@:4}")
  if [[ "$("$tools/bin/$binary" "${subcommand[@]}" --version 2>/dev/null)" == *"$version"* ]]; then
    return
  fi
  echo "dev-tools: installing $crate $version into $tools"
  CARGO_TARGET_DIR="$tools/build" cargo install --locked --quiet "$crate@$version" --root "$tools"
  rm -rf "$tools/build"
}
cargo_tool cargo-deny 0.20.2 cargo-deny
cargo_tool cargo-fuzz 0.13.2 cargo-fuzz
cargo_tool cargo-hack 0.6.46 cargo-hack hack

venv="${LAMBDO_VENV:-$PWD/.venv}"
stamp="$venv/.requirements.sha256"
wanted="$(sha256sum requirements-dev.txt | cut -d' ' -f1)"

if [[ -f "$stamp" && "$(cat "$stamp")" == "$wanted" ]]; then
  exit 0
fi

echo "dev-tools: installing $(grep -v '^#' requirements-dev.txt | xargs) into $venv"
python3 -m venv "$venv"
"$venv/bin/pip" install --quiet --disable-pip-version-check -r requirements-dev.txt
echo "$wanted" > "$stamp"
