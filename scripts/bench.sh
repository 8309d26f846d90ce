#!/usr/bin/env bash
# Benchmark: a full default `dockmatrix run` (fixtures, every endpoint at every API version around the daemon's
# range, the scenarios beside them, the refusals, teardown) with its default concurrency, against two baselines
# measured in the same run: the identical run with --jobs 1, one request at a time, as a sequential prober would
# send them; and the floor, measured from outside the run: the CPU time the machine spent besides dockmatrix (the
# daemon side: dockerd, containerd, shims, runc) from fixtures to teardown, over the cores (see src/run/cpu.rs).
#   bash scripts/bench.sh            (uses DOCKER_HOST if it answers, else starts a private dockerd)
#   bash scripts/bench.sh --daemons [NAME...]
# does the same on each daemon of the matrix (all of `bash scripts/daemons.sh list` when none is named), each
# started by scripts/daemons.sh and stopped after, and ends with one table of them all.
# Prints each phase of both runs, the ratios, the floor (and the run's latency sum, which is no floor: it grows with
# the wait behind other requests), and the targets: the default run within 1.1x of its floor, the full run under
# 40 s (dockerd 20.10 on a 2-core machine).
#   bash scripts/bench.sh --conformance
# instead measures the cost of checking every answer against the spec of its version: the same default run with
# and without --no-conformance, wall time and dockmatrix's own CPU time (user + system), against the 10% target.
#   bash scripts/bench.sh --memory
# instead measures dockmatrix's peak RSS against fake daemons (on unix sockets in a temporary folder, no real
# daemon): one that answers like dockerd 20.10 (its API range enforced) with JSON bodies of normal sizes (a few KiB,
# one in ten up to 100 KiB): a full run at --jobs 32 with its snapshots, and a synthetic matrix ten times larger
# (1,000 endpoints x 40 API versions, generated in the temporary folder), each against the 60 MiB target and the
# second as a ratio to the first (flat is about 1x); and one that answers every request but /_ping and /version with
# a JSON body that never ends: a full run at --jobs 32 against the same run at --jobs 1 (one body at a time),
# against the 100 MiB target.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ "${1:-}" = --memory ]; then
  cargo build --release --locked -q
  OUT=$(mktemp -d)
  trap 'rm -rf "$OUT"' EXIT
  python3 - target/release/dockmatrix "$OUT" matrices <<'PY'
import hashlib, json, os, shutil, socket, subprocess, sys, threading
bin_, out, matrices = sys.argv[1:]
# A fake dockerd 20.10: every request gets an answer of a normal size, as dockerd's would be.
VERSION = (b'{"Version":"20.10.24","ApiVersion":"1.41","MinAPIVersion":"1.12","Os":"linux","Arch":"amd64",'
           b'"Components":[{"Name":"Engine"}]}')
LISTS = {"containers/json", "images/json", "volumes", "networks", "nodes", "services", "tasks", "secrets", "configs",
         "plugins"}
def item(seed, i):
    return {"Id": hashlib.sha256(f"{seed}/{i}".encode()).hexdigest(), "Name": f"dockmatrix-fake-{i}",
            "Created": "2024-01-02T03:04:05.678901234Z", "Labels": {"dockmatrix.fake": str(i), "com.example": "x" * 24},
            "State": {"Status": "running", "Running": True, "Pid": 1000 + i, "ExitCode": 0},
            "Mounts": [], "Config": {"Env": ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"],
                                     "Cmd": ["sleep", "3600"], "Image": "busybox:latest"}}
def body_for(method, route):
    h = int(hashlib.md5(route.encode()).hexdigest(), 16)
    n = 2 + h % 40 if h % 10 else 60 + h % 200   # mostly a few KiB, one in ten up to 100 KiB
    if route == "info":
        return json.dumps({"ID": "FAKE", "Name": "fake-host", "DockerRootDir": "/var/lib/docker",
                           "Containers": 0, "Images": 0, "Driver": "overlay2", "ServerVersion": "20.10.24",
                           "Plugins": {"Volume": ["local"]}, "Items": [item(route, i) for i in range(n)]}).encode()
    if route in LISTS:
        return json.dumps([item(route, i) for i in range(n)]).encode()
    if method == "POST":
        if route.endswith("/wait"):
            return b'{"StatusCode":0}'
        return json.dumps({"Id": hashlib.sha256(route.encode()).hexdigest(), "Warnings": []}).encode()
    return json.dumps(dict(item(route, 0), Items=[item(route, i) for i in range(n)])).encode()
def requests(conn):
    """Each request's method and target, its headers and body read and dropped, until the client closes."""
    f = conn.makefile("rb")
    while line := f.readline():
        length = 0
        while (h := f.readline()) not in (b"\r\n", b"\n", b""):
            k, _, v = h.decode().partition(":")
            length = int(v) if k.strip().lower() == "content-length" else length
        f.read(length)
        yield line.split()[0].decode(), line.split()[1].decode()
def serve_normal(conn):
    try:
        for method, target in requests(conn):
            route = target.split("?")[0].lstrip("/")
            if route.startswith("v1.") or route.startswith("v0."):
                route = route.partition("/")[2]
            head = b"HTTP/1.1 %d %s\r\nApi-Version: 1.41\r\nServer: Docker/20.10.24 (linux)\r\nOstype: linux\r\n"
            asked = target.lstrip("/").partition("/")[0]
            if asked.startswith("v") and asked[1:].replace(".", "").isdigit():
                minor = int(asked.partition(".")[2] or 0)
                if not 12 <= minor <= 41:
                    why = (b"too old. Minimum supported API version is 1.12, please upgrade your client to a newer version"
                           if minor < 12 else b"too new. Maximum supported API version is 1.41")
                    body = b'{"message":"client version %s is %s"}' % (asked[1:].encode(), why)
                    conn.sendall(head % (400, b"Bad Request") + b"Content-Type: application/json\r\nContent-Length: %d\r\n\r\n"
                                 % len(body) + (b"" if method == "HEAD" else body))
                    continue
            if route == "_ping":
                conn.sendall(head % (200, b"OK") + b"Content-Length: 2\r\n\r\n" + (b"" if method == "HEAD" else b"OK"))
                continue
            if route == "version":
                body = VERSION
            elif method == "DELETE" or (method == "POST" and not route.endswith(("create", "/wait", "commit", "/exec"))):
                conn.sendall(head % (204, b"No Content") + b"\r\n")
                continue
            else:
                body = body_for(method, route)
            status = (201, b"Created") if method == "POST" and body != b'{"StatusCode":0}' else (200, b"OK")
            conn.sendall(head % status + b"Content-Type: application/json\r\nContent-Length: %d\r\n\r\n" % len(body)
                         + (b"" if method == "HEAD" else body))
    except OSError:
        pass
    finally:
        conn.close()
# The other fake: every request but /_ping and /version gets a JSON body that never ends.
def serve_endless(conn):
    try:
        for _, target in requests(conn):
            if target.endswith("/_ping"):
                conn.sendall(b"HTTP/1.1 200 OK\r\nApi-Version: 1.41\r\nContent-Length: 2\r\n\r\nOK")
            elif target.split("?")[0].endswith("/version"):
                conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n"
                             % len(VERSION) + VERSION)
            else:
                conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n")
                chunk = b"1000\r\n" + b"[" * 0x1000 + b"\r\n"
                while True:
                    conn.sendall(chunk)
    except OSError:
        pass
    finally:
        conn.close()
def listen(name, serve):
    listener = socket.socket(socket.AF_UNIX)
    listener.bind(f"{out}/{name}.sock")
    listener.listen(256)
    def accept():
        while True:
            conn, _ = listener.accept()
            threading.Thread(target=serve, args=(conn,), daemon=True).start()
    threading.Thread(target=accept, daemon=True).start()
    return f"unix://{out}/{name}.sock"
endless, normal = listen("endless", serve_endless), listen("normal", serve_normal)
# The synthetic matrix, ten times the real one: the real matrices and synthetic GET endpoints up to 1,000 in all,
# probed at 40 API versions (--api 1.2..1.41: the fake rejects the ten below 1.12, as dockerd does).
big = f"{out}/matrices-1000"
shutil.copytree(matrices, big)
text = open(f"{big}/endpoints.yaml").read()
extra = 1000 - text.count("\n- id: ")
with open(f"{big}/endpoints.yaml", "a") as f:
    for i in range(extra):
        f.write(f"- id: synthetic.e{i:04d}\n  method: GET\n  path: /synthetic/e{i:04d}/json\n  first: '1.0'\n"
                f"  tag: Synthetic\n  summary: Synthetic endpoint {i}\n")
probes = open(f"{big}/probes.yaml").read()
head, sep, tail = probes.partition("\nrefusals:")
recipes = "".join(f"  synthetic.e{i:04d}: {{}}\n" for i in range(extra))
open(f"{big}/probes.yaml", "w").write(head.rstrip("\n") + "\n" + recipes + sep + tail)
def peak(name, host, jobs, *extra):
    # Each run in a child of its own, so its rusage is its alone; its run.json and snapshots deleted after.
    code = ("import resource, subprocess, sys; "
            "r = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE); "
            "print(r.returncode, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)")
    args = [bin_, "run", "--quiet", "--jobs", str(jobs), "--host", host, "--out", f"{out}/{name}", *extra]
    rc, kib = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True).stdout.split()
    probes = sum(1 for _ in open(f"{out}/{name}/probes.jsonl"))
    size = os.path.getsize(f"{out}/{name}/run.json") / 2**20
    shutil.rmtree(f"{out}/{name}", ignore_errors=True)
    shutil.rmtree(f"{out}/{name}-snapshots", ignore_errors=True)
    return int(rc), int(kib) / 1024, probes, size
TARGET = 60
def met(mib, target=TARGET):
    return "met" if mib < target else "NOT met"
snaps = lambda name: ("--timeout", "10", "--snapshots", f"{out}/{name}-snapshots")
rc, full, n, size = peak("full", normal, 32, "--dir", matrices, *snaps("full"))
print(f"full run, --jobs 32, a fake dockerd 20.10 with normal-sized bodies: exit {rc}, {n} probes, run.json "
      f"{size:.1f} MiB, peak RSS {full:6.1f} MiB (target under {TARGET} MiB: {met(full)})")
rc, ten, n, size = peak("ten", normal, 32, "--dir", big, "--api", "1.2..1.41", *snaps("ten"))
print(f"synthetic matrix, 1,000 endpoints x 40 API versions, --jobs 32: exit {rc}, {n} probes, run.json "
      f"{size:.1f} MiB, peak RSS {ten:6.1f} MiB ({ten / full:.2f}x the full run; flat is about 1x; "
      f"target under {TARGET} MiB: {met(ten)})")
rc1, base, _, _ = peak("endless-1", endless, 1, "--dir", matrices, "--timeout", "5", "--no-snapshots")
rc32, top, _, _ = peak("endless-32", endless, 32, "--dir", matrices, "--timeout", "5", "--no-snapshots")
print(f"bodies without end, --jobs 1:  exit {rc1}, peak RSS {base:6.1f} MiB (baseline: one body at a time)")
print(f"bodies without end, --jobs 32: exit {rc32}, peak RSS {top:6.1f} MiB ({top / base:.2f}x the baseline; "
      f"target under 100 MiB: {met(top, 100)})")
PY
  exit 0
fi

started= daemons=()
if [ "${1:-}" = --daemons ]; then
  shift
  daemons=("$@")
  [ ${#daemons[@]} -gt 0 ] || mapfile -t daemons < <(bash scripts/daemons.sh list)
elif [ -z "${DOCKER_HOST:-}" ] || ! curl -sf --max-time 2 --unix-socket "${DOCKER_HOST#unix://}" http://localhost/_ping >/dev/null; then
  DIR=/tmp/dockmatrix-bench
  eval "$(bash scripts/dockerd.sh start "$DIR")"
  started=$DIR
fi
OUT=$(mktemp -d)
stop_started() {
  [ -n "$started" ] || return 0
  if [ ${#daemons[@]} -gt 0 ]; then bash scripts/daemons.sh stop "$name" "$started" >/dev/null; else bash scripts/dockerd.sh stop "$started"; fi
}
trap 'rm -rf "$OUT"; stop_started' EXIT

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

# One run: its wall time, with the run's own timing lines kept in $OUT/NAME.err.
one() {
  local name=$1; shift
  local t0 t1
  t0=$(date +%s.%N)
  "$BIN" run --quiet --no-snapshots --host "$DOCKER_HOST" --out "$OUT/$name" "$@" >/dev/null 2>"$OUT/$name.err" || true
  t1=$(date +%s.%N)
  awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }'
}
# Both runs against $DOCKER_HOST, and what they show; with a name, one summary line of it is added to $OUT/summary.
measure() {
a=$(one parallel)
b=$(one sequential --jobs 1)
python3 - "$OUT" "$a" "$b" "${1:-}" <<'PY'
import json, re, sys
out, a, b, name = sys.argv[1], float(sys.argv[2]), float(sys.argv[3]), sys.argv[4]
def timing(name):
    text = open(f"{out}/{name}.err").read()
    line = re.search(r"^timing: fixtures ([0-9.]+) s, sweep ([0-9.]+) s \(the scenarios beside it ([0-9.]+) s\), "
                     r"refusals ([0-9.]+) s, swarm state [0-9.]+ s, teardown ([0-9.]+) s$", text, re.M)
    bound = re.search(r"^timing: latency sum ([0-9.]+) s: (.*)$", text, re.M)
    floor = re.search(r"^timing: daemon side ([0-9.]+) CPU-s .* = floor ([0-9.]+) s; fixtures to teardown ([0-9.]+) s "
                      r"= ([0-9.]+)× its floor; machine ([0-9]+)% busy, dockmatrix's own ([0-9.]+) CPU-s$", text, re.M)
    if not line or not bound or not floor:
        sys.exit(f"bench: no timing lines in {out}/{name}.err:\n{text[-2000:]}")
    return [float(x) for x in line.groups()], float(bound.group(1)), bound.group(2), [float(x) for x in floor.groups()]
(af, as_, asc, ar, at), abound, awhat, (acpu, afloor, awin, aratio, abusy, aown) = timing("parallel")
(bf, bs, bsc, br, bt), _, _, (bcpu, bfloor, bwin, bratio, bbusy, bown) = timing("sequential")
run = json.load(open(f"{out}/parallel/run.json"))
sent = sum(1 for p in run["probes"] if p["request"])
print(f"probes sent: {sent} of {len(run['probes'])}; scenarios: {len(run.get('scenarios', []))}")
print(f"default (--jobs 12): {a:6.1f} s  (fixtures {af:.1f}, sweep {as_:.1f} with the scenarios beside it "
      f"{asc:.1f}, refusals {ar:.1f}, teardown {at:.1f})")
print(f"baseline (--jobs 1): {b:6.1f} s  (fixtures {bf:.1f}, sweep {bs:.1f} with the scenarios beside it "
      f"{bsc:.1f}, refusals {br:.1f}, teardown {bt:.1f})")
print(f"ratio: the default run is {b / a:.1f}x faster than the baseline (sweep phase {bs / as_:.1f}x)")
print(f"floor (the daemon side's CPU over the cores, measured from /proc): default {afloor:.1f} s of {acpu:.1f} "
      f"CPU-s, fixtures to teardown {awin:.1f} s = {aratio:.2f}x, machine {abusy:.0f}% busy, dockmatrix {aown:.1f} CPU-s; "
      f"baseline {bfloor:.1f} s, {bwin:.1f} s = {bratio:.2f}x, machine {bbusy:.0f}% busy")
print(f"latency sum (grows with the wait behind other requests; not a floor): {abound:.1f} s ({awhat})")
print(f"target: the default run within 1.1x of its floor: {aratio:.2f}x, {'met' if aratio <= 1.1 else 'NOT met'}")
print(f"target: teardown under 3 s: {at:.1f} s, {'met' if at < 3 else 'NOT met'}")
if name:
    with open(f"{out}/summary", "a") as f:
        f.write(f"| {name} | {sent} | {a:.1f} s | {b:.1f} s | {b / a:.1f}x | {afloor:.1f} s | **{aratio:.2f}x** | "
                f"{abusy:.0f}% | {at:.1f} s |\n")
else:
    print(f"target: the full run under 40 s: {a:.1f} s, {'met' if a < 40 else 'NOT met'}")
PY
}

if [ ${#daemons[@]} -eq 0 ]; then
  measure
  exit 0
fi
# Each daemon of the matrix in turn, started by scripts/daemons.sh in a folder of the benchmark's own (no swarm, no
# registry: the default run's opt-in classes stay off), measured, and stopped.
for name in "${daemons[@]}"; do
  dir=/tmp/dockmatrix-bench-$name
  eval "$(bash scripts/daemons.sh start "$name" "$dir")"
  started=$dir
  echo "== $name ($DOCKER_HOST)"
  measure "$name"
  bash scripts/daemons.sh stop "$name" "$dir" >/dev/null
  started=
done
echo
echo "| daemon | probes sent | default | --jobs 1 | speed-up | floor | default / floor | machine busy | teardown |"
echo "| --- | --- | --- | --- | --- | --- | --- | --- | --- |"
cat "$OUT/summary"
