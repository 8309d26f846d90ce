#!/usr/bin/env bash
# Benchmark: a full default `dockmatrix run` (fixtures, every endpoint at every API version around the daemon's
# range, the lifecycle scenario, teardown) with its default concurrency, against a baseline measured in the same
# run: the identical run with --jobs 1, one probe at a time, as a sequential prober would send them.
#   bash scripts/bench.sh            (uses DOCKER_HOST if it answers, else starts a private dockerd)
# Prints each phase of both runs, the ratio, and whether the sweep phase stays under the 60 s target.
#   bash scripts/bench.sh --conformance
# instead measures the cost of checking every answer against the spec of its version: the same default run with
# and without --no-conformance, wall time and dockmatrix's own CPU time (user + system), against the 10% target.
set -euo pipefail
cd "$(dirname "$0")/.."

started=
if [ -z "${DOCKER_HOST:-}" ] || ! curl -sf --max-time 2 --unix-socket "${DOCKER_HOST#unix://}" http://localhost/_ping >/dev/null; then
  DIR=/tmp/dockmatrix-bench
  eval "$(bash scripts/dockerd.sh start "$DIR")"
  started=$DIR
fi
OUT=$(mktemp -d)
trap 'rm -rf "$OUT"; [ -n "$started" ] && bash scripts/dockerd.sh stop "$started"' EXIT

cargo build --release --locked -q
BIN=target/release/dockmatrix

if [ "${1:-}" = --conformance ]; then
  python3 - "$BIN" "$DOCKER_HOST" "$OUT" <<'PY'
import os, re, subprocess, sys, time
bin_, host, out = sys.argv[1:]
def run(name, *extra):
    before = os.times()
    t0 = time.monotonic()
    err = open(f"{out}/{name}.err", "w")
    subprocess.run([bin_, "run", "--quiet", "--no-snapshots", "--host", host, "--out", f"{out}/{name}", *extra],
                   stdout=subprocess.DEVNULL, stderr=err)
    wall = time.monotonic() - t0
    after = os.times()
    cpu = (after.children_user - before.children_user) + (after.children_system - before.children_system)
    timing = re.search(r"sweep ([0-9.]+) s", open(f"{out}/{name}.err").read())
    return wall, cpu, float(timing.group(1)) if timing else float("nan")
# Baseline first, then the checked run, then each once more: the daemon warms up over the first run.
runs = {"without": [], "with": []}
for _ in range(2):
    runs["without"].append(run("without", "--no-conformance"))
    runs["with"].append(run("with"))
best = {k: tuple(min(r[i] for r in v) for i in range(3)) for k, v in runs.items()}
(bw, bc, bs), (cw, cc, cs) = best["without"], best["with"]
print(f"without conformance (--no-conformance): wall {bw:6.1f} s, sweep {bs:5.1f} s, dockmatrix CPU {bc:5.2f} s")
print(f"with conformance (the default):         wall {cw:6.1f} s, sweep {cs:5.1f} s, dockmatrix CPU {cc:5.2f} s")
print(f"ratio: wall {cw / bw:.3f}x, sweep {cs / bs:.3f}x, CPU {cc / bc:.2f}x (best of two runs each)")
print(f"target: the sweep at most 10% slower: {'met' if cs <= bs * 1.10 else 'NOT met'}")
PY
  exit 0
fi

# One run: wall seconds, then the run's own timing lines: fixtures, sweep, scenarios, teardown, and the probes' time
# per slot of --jobs (the bound a sweep with no waiting would reach).
one() {
  local name=$1; shift
  local t0 t1
  t0=$(date +%s.%N)
  "$BIN" run --quiet --no-snapshots --host "$DOCKER_HOST" --out "$OUT/$name" "$@" >/dev/null 2>"$OUT/$name.err" || true
  t1=$(date +%s.%N)
  echo "$t0 $t1 $(grep '^timing: fixtures' "$OUT/$name.err" | tr -d ',' | awk '{print $3, $6, $9, $15}') \
$(grep '^timing: the probes' "$OUT/$name.err" | tr -d ',' | awk '{print $9}')"
}
read -r a0 a1 af as asc at aslot <<<"$(one parallel)"
read -r b0 b1 bf bs bsc bt bslot <<<"$(one sequential --jobs 1)"

python3 - "$OUT" "$a0" "$a1" "$af" "$as" "$asc" "$at" "$b0" "$b1" "$bf" "$bs" "$bsc" "$bt" "$aslot" <<'PY'
import json, sys
out = sys.argv[1]
a0, a1, af, as_, asc, at, b0, b1, bf, bs, bsc, bt, aslot = map(float, sys.argv[2:])
run = json.load(open(f"{out}/parallel/run.json"))
sent = sum(1 for p in run["probes"] if p["request"])
print(f"probes sent: {sent} of {len(run['probes'])}; scenarios: {len(run.get('scenarios', []))}")
print(f"default (--jobs 8): {a1 - a0:6.1f} s  (fixtures {af:.1f}, sweep {as_:.1f}, scenarios {asc:.1f}, teardown {at:.1f})")
print(f"baseline (--jobs 1): {b1 - b0:6.1f} s  (fixtures {bf:.1f}, sweep {bs:.1f}, scenarios {bsc:.1f}, teardown {bt:.1f})")
print(f"ratio: the default run is {(b1 - b0) / (a1 - a0):.1f}x faster than the baseline (sweep phase {bs / as_:.1f}x)")
print(f"target: sweep phase {as_:.1f} s {'<' if as_ < 60 else '>='} 60 s: {'met' if as_ < 60 else 'NOT met'}")
print(f"bound: the probes' own time per slot of --jobs 8 is {aslot:.1f} s; the sweep takes {as_ / aslot:.2f}x that "
      f"(issue 14's target: at most 1.5x)")
PY
