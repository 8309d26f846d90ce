#!/usr/bin/env bash
# The test command of the README and of CI: start a private dockerd, run every test with the live
# tests on against it, and stop the daemon whatever happened.
#   bash scripts/test.sh [extra cargo test args]
set -euo pipefail
cd "$(dirname "$0")/.."

DIR=${DOCKMATRIX_DAEMON_DIR:-/tmp/dockmatrix-test}
stop() { bash scripts/dockerd.sh stop "$DIR" || true; }
trap stop EXIT

command -v cargo >/dev/null || { echo "test.sh: cargo is not installed (rustup.rs)" >&2; exit 1; }
eval "$(bash scripts/dockerd.sh start "$DIR")"
export DOCKER_HOST
echo "test.sh: daemon at $DOCKER_HOST" >&2

cargo test --locked --all-features "$@"
