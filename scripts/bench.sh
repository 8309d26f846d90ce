#!/usr/bin/env bash
# Benchmark: the read-only sweep of `dockmatrix run` against a baseline that sends the identical request list
# with one `curl --unix-socket` process per request, both measured in this run against the same daemon.
#   bash scripts/bench.sh            (uses DOCKER_HOST if it answers, else starts a private dockerd)
# Prints the sweep's probes per second, the baseline's, and their ratio.
set -euo pipefail
cd "$(dirname "$0")/.."

started=
if [ -z "${DOCKER_HOST:-}" ] || ! curl -sf --max-time 2 --unix-socket "${DOCKER_HOST#unix://}" http://localhost/_ping >/dev/null; then
  DIR=/tmp/dockmatrix-bench
  eval "$(bash scripts/dockerd.sh start "$DIR")"
  started=$DIR
fi
trap '[ -n "$started" ] && bash scripts/dockerd.sh stop "$started"' EXIT
SOCK=${DOCKER_HOST#unix://}

cargo build --release --locked -q
BIN=target/release/dockmatrix
OUT=$(mktemp -d)

now() { date +%s.%N; }
t0=$(now)
"$BIN" run --quiet --host "$DOCKER_HOST" --out "$OUT" >/dev/null || true
t1=$(now)

# The baseline replays exactly the requests the sweep sent (skipped probes sent nothing).
python3 - "$OUT/run.json" >"$OUT/requests.tsv" <<'PY'
import json, sys
run = json.load(open(sys.argv[1]))
for p in run["probes"]:
    if p["request"]:
        print(p["method"], p["request"], sep="\t")
PY
n=$(wc -l <"$OUT/requests.tsv")
t2=$(now)
while IFS=$'\t' read -r method path; do
  if [ "$method" = HEAD ]; then
    curl -s -o /dev/null -I --unix-socket "$SOCK" "http://localhost$path" || true
  else
    curl -s -o /dev/null -X "$method" -H 'Content-Type: application/json' -d '{}' --unix-socket "$SOCK" "http://localhost$path" || true
  fi
done <"$OUT/requests.tsv"
t3=$(now)

python3 - "$n" "$t0" "$t1" "$t2" "$t3" <<'PY'
import sys
n, t0, t1, t2, t3 = int(sys.argv[1]), *map(float, sys.argv[2:])
sweep, base = t1 - t0, t3 - t2
print(f"requests: {n}")
print(f"dockmatrix run: {sweep:.2f} s ({n / sweep:.0f} probes/s, discovery and run.json included)")
print(f"curl baseline:  {base:.2f} s ({n / base:.0f} requests/s, one curl process per request)")
print(f"ratio: {base / sweep:.1f}x faster than the baseline")
PY
rm -rf "$OUT"
