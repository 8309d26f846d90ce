#!/usr/bin/env bash
# Network namespaces of dockmatrix's own, for daemons that change the network of the namespace they run in (Debian
# 12, root). A dockerd in swarm mode creates docker_gwbridge (a bridge on 172.17.0.1/16 or the like) and a veth per
# task, and both outlive `swarm leave` and the daemon: run it in a namespace of its own and they go with it.
#   bash scripts/netns.sh add NAME                  create dockmatrix-NAME (idempotent), with lo up inside
#   bash scripts/netns.sh exec NAME -- CMD [ARG...] run CMD in it: stdin, stdout, stderr and exit code are CMD's
#   bash scripts/netns.sh del NAME [--kill]         delete it; refused while processes are inside (listed on
#                                                   stderr) unless --kill, which ends those processes and only them
#   bash scripts/netns.sh check [NAME]              the host's link names (`ip -o link`), sorted, on stdout (or
#                                                   those of dockmatrix-NAME): diff a `check` before and after a run
#                                                   to prove the host's network did not change
# Every namespace is /var/run/netns/dockmatrix-NAME: no other namespace is ever touched. Only the network namespace
# is entered (nsenter --net), never with `ip netns exec`: that one also remounts /sys in a mount namespace of its own,
# and dockerd then fails with `Devices cgroup isn't mounted`. The mount namespace stays the host's, so a unix socket
# under /tmp made inside is reachable from the host, and pids are the host's. Messages go to stderr.
set -euo pipefail

NETNS_DIR=/var/run/netns PREFIX=dockmatrix-

usage() {
  echo "usage: bash scripts/netns.sh add NAME | exec NAME -- CMD [ARG...] | del NAME [--kill] | check [NAME]" >&2
  exit 2
}
log() { echo "netns.sh: $*" >&2; }
die() { log "$*"; exit 1; }

[ $# -ge 1 ] || usage
VERB=$1
shift

# NAME -> dockmatrix-NAME and its path; a NAME given with the prefix already is taken as it is.
set_name() {
  local n=$1
  n=${n#"$PREFIX"}
  [[ $n =~ ^[A-Za-z0-9][A-Za-z0-9._-]{0,39}$ ]] || die "NAME must be 1-40 characters of [A-Za-z0-9._-]: '$1'"
  NS=$PREFIX$n NSPATH=$NETNS_DIR/$PREFIX$n
  [[ $NS == "$PREFIX"* ]] || die "refusing namespace '$NS' (not $PREFIX*)"
}

# The namespace's inode if NSPATH is a live namespace (an nsfs bind mount), else fails.
ns_inode() {
  [ -e "$NSPATH" ] && [ "$(stat -f -c %T "$NSPATH" 2>/dev/null || true)" = nsfs ] || return 1
  stat -L -c %i "$NSPATH"
}

# The pids (thread-group ids) that have a thread in the namespace of inode $1, one a line.
pids_in() {
  local want="net:[$1]" t pid
  for t in /proc/[0-9]*/task/[0-9]*; do
    [ "$(readlink "$t/ns/net" 2>/dev/null || true)" = "$want" ] || continue
    pid=${t#/proc/}
    echo "${pid%%/*}"
  done | sort -un
}

describe() { local p; for p in "$@"; do printf '  %s %s\n' "$p" "$( { tr '\0' ' ' <"/proc/$p/cmdline"; } 2>/dev/null | cut -c1-160 || true)"; done; }

need_root() { [ "$(id -u)" = 0 ] || die "$VERB needs root"; }

case $VERB in
  add)
    [ $# -eq 1 ] || usage
    need_root
    set_name "$1"
    if ! ns_inode >/dev/null; then
      # A leftover plain file of that name (a namespace deleted uncleanly) makes `ip netns add` fail.
      if [ -e "$NSPATH" ]; then log "removing stale $NSPATH (no namespace mounted on it)"; rm -f "$NSPATH"; fi
      ip netns add "$NS" 2>/dev/null || ns_inode >/dev/null || die "ip netns add $NS failed"
      log "created network namespace $NS"
    else
      log "network namespace $NS exists"
    fi
    nsenter --net="$NSPATH" ip link set lo up || die "could not bring lo up in $NS"
    ;;
  exec)
    if [ $# -lt 3 ] || [ "$2" != -- ]; then usage; fi
    set_name "$1"
    shift 2
    ns_inode >/dev/null || die "no network namespace $NS (bash scripts/netns.sh add ${NS#"$PREFIX"})"
    exec nsenter --net="$NSPATH" -- "$@"
    ;;
  del)
    if [ $# -lt 1 ] || [ $# -gt 2 ]; then usage; fi
    KILL=
    if [ $# -eq 2 ]; then [ "$2" = --kill ] || usage; KILL=1; fi
    need_root
    set_name "$1"
    if ! inode=$(ns_inode); then
      if [ -e "$NSPATH" ]; then log "removing stale $NSPATH"; rm -f "$NSPATH"; else log "no network namespace $NS"; fi
      exit 0
    fi
    mapfile -t pids < <(pids_in "$inode")
    if [ ${#pids[@]} -gt 0 ]; then
      log "warning: ${#pids[@]} process(es) still in $NS (net:[$inode]):"
      describe "${pids[@]}" >&2
      [ -n "$KILL" ] || die "not deleting $NS while they run (they are the caller's to stop; --kill ends them)"
      log "--kill: sending SIGTERM to ${pids[*]}"
      kill -TERM "${pids[@]}" 2>/dev/null || true
      for ((i = 0; i < 100; i++)); do
        mapfile -t pids < <(pids_in "$inode")
        [ ${#pids[@]} -gt 0 ] || break
        sleep 0.1
      done
      # Only pids found in the namespace again now (a pid reused outside it is left alone).
      mapfile -t pids < <(pids_in "$inode")
      if [ ${#pids[@]} -gt 0 ]; then
        log "still there after 10 s; sending SIGKILL to ${pids[*]}"
        kill -KILL "${pids[@]}" 2>/dev/null || true
        for ((i = 0; i < 50; i++)); do
          mapfile -t pids < <(pids_in "$inode")
          [ ${#pids[@]} -gt 0 ] || break
          sleep 0.1
        done
        [ ${#pids[@]} -eq 0 ] || die "processes ${pids[*]} are still in $NS; not deleting it"
      fi
    fi
    ip netns delete "$NS" || die "ip netns delete $NS failed"
    # Another bind mount of the same namespace (or an open file of it) would keep its links alive.
    if grep -q "net:\[$inode\]" /proc/self/mountinfo; then
      log "warning: net:[$inode] is still mounted elsewhere:"; grep "net:\[$inode\]" /proc/self/mountinfo >&2 || true
    fi
    log "deleted network namespace $NS"
    ;;
  check)
    [ $# -le 1 ] || usage
    if [ $# -eq 1 ]; then
      set_name "$1"
      ns_inode >/dev/null || die "no network namespace $NS"
      enter=(nsenter --net="$NSPATH")
    elif [ "$(readlink /proc/self/ns/net)" != "$(readlink /proc/2/ns/net 2>/dev/null || true)" ]; then
      # Called from inside a namespace: still report the host's links, those of the initial namespace, which
      # kthreadd (pid 2) is always in (pid 1's ns links are not readable even by root on some VMs).
      [ -r /proc/2/ns/net ] || die "called from inside a network namespace and cannot read the host's (/proc/2/ns/net)"
      enter=(nsenter --net=/proc/2/ns/net)
    else
      enter=()
    fi
    # "3: eth0: <...>" and "7: veth1@if6: <...>": the name, without the peer.
    "${enter[@]}" ip -o link show | awk -F': ' '{ sub(/@.*/, "", $2); print $2 }' | LC_ALL=C sort
    ;;
  *) usage ;;
esac
