#!/usr/bin/env bash
# Regenerates tests/fixtures/run-docker-20.10.json, the run many report tests read, from a real run: starts
# Debian's dockerd 20.10 with scripts/daemons.sh, runs `dockmatrix run --jobs 1` on the endpoints listed in
# tests/fixtures/run-docker-20.10.only, and writes that run's run.json as the fixture, as the tool wrote it (no
# edit). The daemon is stopped whatever happens. Debian 12, root (the daemon needs it).
#   bash scripts/run-fixture.sh [DIR]    DIR: the daemon's folder, default /tmp/dockmatrix-runfix
# DOCKMATRIX=/path/to/dockmatrix uses that binary instead of `cargo run`.
# The live test tests/integration/live_run_fixture.rs runs the same endpoints and fails when the fixture is stale.
set -euo pipefail
cd "$(dirname "$0")/.."

log() { echo "run-fixture.sh: $*" >&2; }
die() { log "$*"; exit 1; }

DAEMON=docker-20.10
DIR=${1:-/tmp/dockmatrix-runfix}
ONLY_FILE=tests/fixtures/run-docker-20.10.only
FIXTURE=tests/fixtures/run-docker-20.10.json
[ $# -le 1 ] || die "usage: bash scripts/run-fixture.sh [DIR]"

# The --only list: one glob a line, `#` comments and blank lines ignored, joined with commas.
only=$(sed -e 's/#.*//' -e 's/[[:space:]]//g' "$ONLY_FILE" | grep -v '^$' | paste -sd, -)
[ -n "$only" ] || die "$ONLY_FILE lists no endpoint"

if [ -n "${DOCKMATRIX:-}" ]; then bin=("$DOCKMATRIX"); else bin=(cargo run --locked --quiet --); fi
# Build before the daemon starts, so a slow build does not keep it waiting.
[ -n "${DOCKMATRIX:-}" ] || cargo build --locked --quiet --bin dockmatrix

work=$(mktemp -d)
cleanup() {
  bash scripts/daemons.sh stop "$DAEMON" "$DIR" >/dev/null 2>&1 || log "stopping $DAEMON in $DIR failed"
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

bash scripts/daemons.sh fetch "$DAEMON"
line=$(bash scripts/daemons.sh start "$DAEMON" "$DIR")
host=${line#export DOCKER_HOST=}
[ "$host" != "$line" ] || die "scripts/daemons.sh start printed no DOCKER_HOST: $line"
log "running $only against $host"

# --jobs 1: one probe at a time, so order and verdicts are those of a quiet daemon. No snapshots: the fixture is
# the run record only.
rc=0
"${bin[@]}" run --quiet --no-snapshots --jobs 1 --host "$host" --only "$only" --out "$work/out" \
  >"$work/stdout" 2>"$work/stderr" || rc=$?
if [ "$rc" != 0 ]; then
  cat "$work/stdout" "$work/stderr" >&2
  die "dockmatrix run exited $rc; the fixture is left as it was"
fi
cp "$work/out/run.json" "$FIXTURE"
log "wrote $FIXTURE ($(wc -c <"$FIXTURE") bytes) from run $(grep -m1 '"run_id"' "$FIXTURE" | cut -d'"' -f4)"
