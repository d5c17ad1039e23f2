#!/usr/bin/env bash
# Runs every test of the workspace, setting up what the tests need first.
# The supervisord interop tests (tests/supervisord_*.rs) drive the example
# daemon with the stock Python supervisorctl 4.2.5: $SUPERVISORCTL if set, else
# the venv target/venv-supervisor, which the tests themselves create on first
# use when python3 is available (tests/supervisord_support: python_ctl). They
# need the example binaries built.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --examples
cargo test --workspace --all-targets
cargo test --workspace --doc
