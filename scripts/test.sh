#!/usr/bin/env bash
# Runs every test of the workspace, setting up what the tests need first.
# The supervisord interop tests (tests/supervisord_*.rs) drive the example
# daemon with the stock Python supervisorctl 4.2.5, installed here into a venv
# under target/ (exported as SUPERVISORCTL), and need the example binaries built.
set -euo pipefail
cd "$(dirname "$0")/.."
venv=target/venv-supervisor
if [ -z "${SUPERVISORCTL:-}" ] && command -v python3 >/dev/null 2>&1; then
  if [ ! -x "$venv/bin/supervisorctl" ]; then
    mkdir -p target
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet 'supervisor==4.2.5'
  fi
  export SUPERVISORCTL="$PWD/$venv/bin/supervisorctl"
fi
cargo build --examples
cargo test --workspace --all-targets
cargo test --workspace --doc
