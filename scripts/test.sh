#!/usr/bin/env bash
# Runs every test of the workspace, setting up what the tests need first.
# (The interop tests drive the daemon with the stock Python supervisorctl,
# installed into a venv under target/ when they are present.)
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -d tests/interop ] || ls examples/supervisord/tests 2>/dev/null | grep -q .; then
  venv=target/venv-supervisor
  if [ ! -x "$venv/bin/supervisorctl" ]; then
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet 'supervisor==4.2.5'
  fi
  export SUPERVISORCTL="$PWD/$venv/bin/supervisorctl"
fi
cargo test --workspace --all-targets
cargo test --workspace --doc
