#!/usr/bin/env bash
# Refreshes the real results the README and docs/example-run.md show, from a run against the daemon in DOCKER_HOST:
#   - the run's one-screen summary, between <!-- dockmatrix:summary:start --> and <!-- dockmatrix:summary:end -->
#     in README.md;
#   - the whole terminal table of the same run (`report --format table`), between <!-- dockmatrix:table:start -->
#     and <!-- dockmatrix:table:end --> in docs/example-run.md;
#   - docs/heatmap.png, the HTML heat map rendered in headless Chromium (scripts/html-screenshot.sh).
# Usage: eval "$(bash scripts/dockerd.sh start)" && bash scripts/readme-assets.sh
# DOCKMATRIX=/path/to/dockmatrix uses that binary instead of building target/release/dockmatrix.
# SCREENSHOT_WIDTH/SCREENSHOT_HEIGHT override the window (1920×1200 shows every API column of a 20.10 run).
# Maintainer-only, run by hand: unlike the scripts the tests call, it installs Debian's chromium when it is missing
# (needs root and apt). No build step or test runs it.
set -euo pipefail
cd "$(dirname "$0")/.."

log() { echo "readme-assets.sh: $*" >&2; }
die() { log "$*"; exit 1; }

[ -n "${DOCKER_HOST:-}" ] || die 'DOCKER_HOST is not set; start a daemon with: eval "$(bash scripts/dockerd.sh start)"'
if ! command -v chromium >/dev/null 2>&1; then
  log "chromium not found; installing Debian's chromium"
  DEBIAN_FRONTEND=noninteractive apt-get update -q >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium >&2
fi
# Each page and the name of its markers: <!-- dockmatrix:NAME:start --> ... <!-- dockmatrix:NAME:end -->.
readme=README.md page=docs/example-run.md
start() { echo "<!-- dockmatrix:$1:start -->"; }
end() { echo "<!-- dockmatrix:$1:end -->"; }
for pair in "$readme summary" "$page table"; do
  set -- $pair
  [ "$(grep -cxF "$(start "$2")" "$1")" = 1 ] && [ "$(grep -cxF "$(end "$2")" "$1")" = 1 ] ||
    die "$1 must hold each marker exactly once, on a line of its own: $(start "$2") ... $(end "$2")"
done

bin=${DOCKMATRIX:-}
if [ -z "$bin" ]; then
  cargo build --release --locked -q
  bin=target/release/dockmatrix
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# Exit 1 means the run found incompatible or error verdicts: that is a result worth showing, not a failure here.
ok_or_policy() { local rc=0; "$@" || rc=$?; [ "$rc" -le 1 ] || die "$* exited $rc"; }

log "probing $DOCKER_HOST"
ok_or_policy "$bin" run --quiet --no-snapshots --out "$work/out" >"$work/summary.txt"
ok_or_policy "$bin" report "$work/out/run.json" --format table -o "$work/table.txt"
ok_or_policy "$bin" report "$work/out/run.json" --format html -o "$work/report.html"

# FILE NAME TEXT-FILE: FILE with the text between its NAME markers replaced by TEXT-FILE in a text block.
replace_block() {
  local file=$1 name=$2 text=$3 out
  out=$work/$(basename "$file")
  { start "$name"; echo '```text'; cat "$text"; echo '```'; end "$name"; } >"$work/block.md"
  # Everything before the start marker, the block, everything after the end marker.
  awk -v start="$(start "$name")" -v end="$(end "$name")" -v block="$work/block.md" '
    $0 == start { while ((getline line < block) > 0) print line; skipping = 1; next }
    $0 == end   { skipping = 0; next }
    !skipping
  ' "$file" >"$out"
  cp "$out" "$file"
  log "updated the $name in $file"
}
# What `dockmatrix run` prints (one screen) in the README; the whole table on a page of its own.
replace_block "$readme" summary "$work/summary.txt"
replace_block "$page" table "$work/table.txt"

# Chromium is chatty on stderr (no D-Bus here); its log is shown only when the screenshot fails.
SCREENSHOT_WIDTH=${SCREENSHOT_WIDTH:-1920} SCREENSHOT_HEIGHT=${SCREENSHOT_HEIGHT:-1200} \
  bash scripts/html-screenshot.sh "$work/report.html" docs/heatmap.png >/dev/null 2>"$work/chromium.log" ||
  { cat "$work/chromium.log" >&2; die "the screenshot failed"; }
log "wrote docs/heatmap.png ($(wc -c <docs/heatmap.png) bytes)"
