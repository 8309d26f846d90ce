#!/usr/bin/env bash
# Renders an HTML report in headless Chromium and saves a screenshot:
#   scripts/html-screenshot.sh REPORT.html OUT.png [FRAGMENT]
# FRAGMENT (probe-17) opens that cell's evidence first. SCREENSHOT_WIDTH/SCREENSHOT_HEIGHT set the window size.
# No network is used by the page itself. Exits 127 at once when chromium is missing: this script never installs
# anything (tests run it concurrently; scripts/test.sh installs Debian's chromium up front).
set -euo pipefail

if [ $# -lt 2 ] || [ $# -gt 3 ]; then
  echo "usage: $0 REPORT.html OUT.png [FRAGMENT]" >&2
  exit 2
fi
if ! command -v chromium >/dev/null 2>&1; then
  echo "chromium not found: install Debian's chromium (scripts/test.sh installs it)" >&2
  exit 127
fi
report=$(realpath "$1")
out=$(realpath -m "$2")
fragment=${3:+#$3}
width=${SCREENSHOT_WIDTH:-1400}
height=${SCREENSHOT_HEIGHT:-1000}

profile=$(mktemp -d)
trap 'rm -rf "$profile"' EXIT
rm -f "$out"
chromium --headless --no-sandbox --disable-gpu --disable-background-networking --disable-component-update \
  --disable-sync --no-first-run --hide-scrollbars --user-data-dir="$profile" \
  --screenshot="$out" --window-size="${width},${height}" "file://$report$fragment" >&2
test -s "$out"
echo "$out"
