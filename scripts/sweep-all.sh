#!/usr/bin/env bash
# The main job: fetch and start every daemon of the matrix (scripts/daemons.sh), sweep each one, keep each run
# as docs/runs/NAME.json.gz, stop it, and render the side-by-side matrix docs/compatibility.md from the runs.
#   bash scripts/sweep-all.sh [--jobs N] [--snapshots] [NAME...]     (NAME: bash scripts/daemons.sh list)
#   --jobs N       probes in flight (default 8; the committed runs use 1; the live tests check that 20.10 at 8 and the
#                  others at 32 give the same verdicts)
#   --snapshots    also compare each daemon with snapshots/NAME (new and changed ones are written as .snap.new)
# Each run's own report and exit code are in dockmatrix-out/NAME/. A daemon's incompatibilities (exit 1 of its run)
# are results the matrix shows; the script fails only when a run could not finish (exit 2 and up).
# Swarm: every daemon but docker-20.10 is swept with --allow swarm. The dockerds among them run in a network namespace
# of their own (scripts/netns.sh), where the swarm's docker_gwbridge is made and goes; the host's links are compared
# before and after. docker-20.10 stays out of swarm mode: the live tests sweep it beside other tests on the host.
# In each dockerd's namespace a registry of the script's own listens on 127.0.0.1:5000 (scripts/registry.sh:
# --allow registry --registry); docker-28.5 also has a second dockerd there, the swarm peer that joins and manages
# swarms of the run's for node.delete and swarm.join (--swarm-peer), and the run may restart it (--restart-cmd) to
# lock its swarm for swarm.unlock (a worker's leave costs dockerd 2 s and a restart 2.6 s a version, so one dockerd
# has them). Every daemon is the script's own: --allow build-cache prunes only the build cache of its runs.
set -euo pipefail
cd "$(dirname "$0")/.."

log() { echo "sweep-all.sh: $*" >&2; }
jobs=8 snapshots=(--no-snapshots) names=()
while [ $# -gt 0 ]; do
  case $1 in
    --jobs) [ $# -ge 2 ] || { log "--jobs needs a number"; exit 2; }; jobs=$2; shift ;;
    --snapshots) snapshots=(--snapshots snapshots) ;;
    -h | --help) sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    -*) log "unknown option $1"; exit 2 ;;
    *) names+=("$1") ;;
  esac
  shift
done
[ ${#names[@]} -gt 0 ] || mapfile -t names < <(bash scripts/daemons.sh list)

cargo build --release --locked --quiet
bin=$PWD/target/release/dockmatrix
mkdir -p docs/runs dockmatrix-out
started=()
# The daemons a run may put into a swarm, and whether each runs in a namespace of its own (the dockerds).
swarm_of() { [ "$1" != docker-20.10 ]; }
netns_of() { swarm_of "$1" && [[ $1 == docker-* ]]; }
peer_of() { [ "$1" = docker-28.5 ]; }
stop_one() {
  bash scripts/daemons.sh stop "$1" >/dev/null 2>&1 || true
  if peer_of "$1"; then bash scripts/daemons.sh stop "$1" "/tmp/dockmatrix-$1-peer" >/dev/null 2>&1 || true; fi
  if netns_of "$1"; then
    bash scripts/registry.sh stop "/tmp/dockmatrix-$1-registry" >/dev/null 2>&1 || true
    bash scripts/netns.sh del "sweep-$1" --kill >/dev/null 2>&1 || true
  fi
}
stop_all() { local n; for n in "${started[@]}"; do stop_one "$n"; done; }
trap stop_all EXIT
links_before=$(bash scripts/netns.sh check)

failed=0
for n in "${names[@]}"; do
  allow=(--allow malformed-prune --allow plugin --allow build-cache)
  if swarm_of "$n"; then allow+=(--allow swarm); fi
  if netns_of "$n"; then
    bash scripts/netns.sh add "sweep-$n"
    line=$(DOCKMATRIX_NETNS=sweep-$n bash scripts/daemons.sh start "$n")
    reg=$(bash scripts/registry.sh start "/tmp/dockmatrix-$n-registry" "sweep-$n")
    allow+=(--allow registry --registry "${reg#export DOCKMATRIX_REGISTRY=}")
    if peer_of "$n"; then
      rm -rf "/tmp/dockmatrix-$n-peer"   # a fresh peer: in no swarm
      peer=$(DOCKMATRIX_NETNS=sweep-$n bash scripts/daemons.sh start "$n" "/tmp/dockmatrix-$n-peer")
      allow+=(--swarm-peer "${peer#export DOCKER_HOST=}")
      allow+=(--restart-cmd "bash $PWD/scripts/daemons.sh stop $n >/dev/null && DOCKMATRIX_NETNS=sweep-$n bash $PWD/scripts/daemons.sh start $n >/dev/null")
    fi
  else
    line=$(bash scripts/daemons.sh start "$n")
  fi
  started+=("$n")
  host=${line#export DOCKER_HOST=}
  out=dockmatrix-out/$n
  mkdir -p "$out"
  log "$n: sweeping $host at --jobs $jobs"
  rc=0
  # The daemons are the script's own: the prunes with filters that are not JSON may go too (--allow malformed-prune),
  # and plugins of the run's own (--allow plugin: a static server, no network; Podman has no managed plugins).
  "$bin" run --host "$host" --name "$n" --jobs "$jobs" "${allow[@]}" --quiet "${snapshots[@]}" --out "$out" \
    --report "md:$out/report.md" >"$out.txt" 2>"$out.err" || rc=$?
  echo "$rc" >"$out/exit-code"
  grep -E '^(daemon|timing|snapshots|review them)' "$out.err" "$out.txt" | sed 's/^[^:]*://' >&2 || true
  if [ "$rc" -gt 1 ] || [ ! -s "$out/run.json" ]; then
    log "$n: the run did not finish (exit $rc); see $out.err"
    failed=1
  else
    gzip -9nc "$out/run.json" >"docs/runs/$n.json.gz"
    log "$n: exit $rc ($( [ "$rc" = 0 ] && echo compatible || echo "incompatibilities: $out/report.md")), kept as docs/runs/$n.json.gz"
  fi
  stop_one "$n"
done
if [ "$(bash scripts/netns.sh check)" != "$links_before" ]; then
  log "the host's network links changed during the sweeps: $(bash scripts/netns.sh check | tr '\n' ' ')"
  failed=1
fi

DOCKMATRIX=$bin bash scripts/compatibility.sh
log "side-by-side matrix: docs/compatibility.md (changes since the last runs: dockmatrix diff OLD.json.gz NEW.json.gz)"
exit "$failed"
