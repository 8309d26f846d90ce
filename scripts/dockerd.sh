#!/usr/bin/env bash
# Private, network-safe Docker daemon for dockmatrix tests and CI (Debian 12, root).
#   bash scripts/dockerd.sh start|stop|purge|env|image [DIR]    DIR: ${DOCKMATRIX_DAEMON_DIR:-/tmp/dockmatrix-dockerd}
# `purge` stops the daemon, removes the bridges of its networks from this namespace (dockerd leaves them) and DIR.
# `start` prints one line on stdout, `export DOCKER_HOST=unix://DIR/docker.sock`; everything else goes
# to stderr. The daemon listens on a unix socket only, with no bridge, no iptables and no IP forwarding:
# containers must say HostConfig.NetworkMode "none" (the default "bridge" network does not exist).
# DOCKMATRIX_DOCKERD=/path/to/dockerd runs another dockerd build (it still uses Debian's containerd/runc).
# `image` imports the fixture image into the daemon on DOCKMATRIX_SOCK (default DIR/docker.sock), which may be
# any Docker-compatible daemon (scripts/daemons.sh uses it for podman).
# `start` installs docker.io and busybox-static with apt-get when missing, unless DOCKMATRIX_NO_INSTALL is set
# (tests set it): then it exits 127 naming the missing packages.
# DOCKMATRIX_TLS_LISTEN=127.0.0.1:PORT with DOCKMATRIX_TLS_CERTS=DIR (ca.pem, server-cert.pem, server-key.pem) also
# listens there with --tlsverify (loopback only: any other address is refused).
set -euo pipefail

IMAGE_REPO=dockmatrix/busybox IMAGE_TAG=local
DOCKERD=${DOCKMATRIX_DOCKERD:-/usr/sbin/dockerd}

usage() { echo "usage: bash scripts/dockerd.sh start|stop|purge|env|image [DIR]" >&2; exit 2; }
log() { echo "dockerd.sh: $*" >&2; }
die() { log "$*"; exit 1; }

if [ $# -lt 1 ] || [ $# -gt 2 ]; then usage; fi
VERB=$1
DIR=${2:-${DOCKMATRIX_DAEMON_DIR:-/tmp/dockmatrix-dockerd}}
case $DIR in /*) ;; *) DIR=$PWD/$DIR ;; esac
while [ "${DIR%/}" != "$DIR" ] && [ "$DIR" != / ]; do DIR=${DIR%/}; done
# Plain characters only: /proc/mounts escapes blanks, and DIR is matched inside process command lines.
[[ $DIR =~ ^/[A-Za-z0-9._/+-]+$ ]] || die "DIR must be an absolute path of [A-Za-z0-9._/+-]: '$DIR'"
# Unix socket paths must stay < 108 bytes (we keep < 100); the longest one is containerd's.
[ ${#DIR} -le 60 ] || die "DIR is ${#DIR} bytes; at most 60 keeps $DIR/exec/containerd/containerd-debug.sock under 100"
SOCK=${DOCKMATRIX_SOCK:-$DIR/docker.sock} PIDFILE=$DIR/docker.pid LOG=$DIR/dockerd.log
CTRD_PIDFILE=$DIR/exec/containerd/containerd.pid

# curl to the daemon; never anything but the unix socket (the host part of the URL is not resolved).
api() { curl -sS --max-time "${API_TIMEOUT:-10}" --unix-socket "$SOCK" "$@"; }
ping_ok() { [ -S "$SOCK" ] && [ "$(API_TIMEOUT=2 api -o /dev/null -w '%{http_code}' http://localhost/_ping 2>/dev/null || true)" = 200 ]; }

# Alive and not a zombie: an exited daemon stays a zombie of PID 1 here for about 1 s, and
# `kill -0` (and dockerd's own pidfile checks) count zombies as alive.
alive() { local st; st=$(sed 's/.*) //; s/ .*//' "/proc/$1/stat" 2>/dev/null || true); [ -n "$st" ] && [ "$st" != Z ] && [ "$st" != X ]; }

# Prints the pid in pidfile $1 if that process is alive and its command line names DIR (so a pid
# reused by an unrelated process is never touched).
owned_pid() {
  local pid cmd
  pid=$(cat "$1" 2>/dev/null || true)
  [[ $pid =~ ^[0-9]+$ ]] && alive "$pid" || return 1
  cmd=$( { tr '\0' ' ' <"/proc/$pid/cmdline"; } 2>/dev/null || true)
  [[ $cmd == *" $DIR/"* ]] || return 1
  echo "$pid"
}

# SIGTERM pid $1, wait up to $2 tenths of a second, then SIGKILL that pid only.
term_wait() {
  local pid=$1 n=$2 i
  kill -TERM "$pid" 2>/dev/null || return 0
  for ((i = 0; i < n; i++)); do alive "$pid" || return 0; sleep 0.1; done
  log "pid $pid still alive after SIGTERM; sending SIGKILL"
  kill -KILL "$pid" 2>/dev/null || true
}

POLICY=/usr/sbin/policy-rc.d POLICY_BAK=
restore_policy() { if [ -n "$POLICY_BAK" ]; then mv -f "$POLICY_BAK" "$POLICY"; POLICY_BAK=; fi; }

install_pkgs() {
  local missing=() p rc=0
  for p in docker.io busybox-static; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q '^install ok installed$' || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  if [ -n "${DOCKMATRIX_NO_INSTALL:-}" ]; then
    log "missing Debian packages: ${missing[*]} (DOCKMATRIX_NO_INSTALL is set, as tests set it: bash scripts/test.sh" \
      "installs them first, or: DOCKMATRIX_NO_INSTALL= bash scripts/daemons.sh packages ${missing[*]})"
    exit 127
  fi
  # Without a policy-rc.d that exits 101, docker.io's postinst starts the SYSTEM dockerd through
  # invoke-rc.d: /var/run/docker.sock, a docker0 bridge on 172.17.0.0/16 and iptables rules.
  [ -x "$POLICY" ] && { "$POLICY" docker start </dev/null >/dev/null 2>&1 || rc=$?; }
  if [ "$rc" != 101 ]; then
    if [ -e "$POLICY" ]; then POLICY_BAK=$POLICY.dockmatrix-saved; mv -f "$POLICY" "$POLICY_BAK"; fi
    trap restore_policy EXIT     # put a foreign policy back even if the install fails
    # A policy we create from nothing stays: any later apt run that touches docker.io or containerd
    # would otherwise start the system daemons.
    printf '#!/bin/sh\n# dockmatrix: never start services from package scripts\nexit 101\n' >"$POLICY"
    chmod 755 "$POLICY"
  fi
  log "installing ${missing[*]} with apt-get"
  export DEBIAN_FRONTEND=noninteractive
  local wait=(-o DPkg::Lock::Timeout=300)   # another apt run (or a start for another DIR) may hold it
  apt-get "${wait[@]}" update -q >&2 || die "apt-get update failed"
  apt-get "${wait[@]}" install -y -q --no-install-recommends "${missing[@]}" >&2 || die "apt-get install ${missing[*]} failed"
  restore_policy; trap - EXIT
}

start_daemon() {
  local spid t0 flags help
  mkdir -p "$DIR"
  if ping_ok; then log "reusing the dockerd that answers on $SOCK"; return 0; fi
  # A live dockerd of ours that does not answer yet (still starting): wait for it instead.
  if spid=$(owned_pid "$PIDFILE"); then
    log "dockerd $spid for $DIR is running; waiting for it"
  else
    # Clean up after an unclean end first: dockerd refuses to start while docker.pid names a live (or
    # zombie) pid, waits for a containerd that never answers while containerd.pid does, and stops
    # leftover containers with their 10 s timeout (stop_daemon removes both pidfiles, the shims, mounts).
    stop_daemon
    [ -x "$DOCKERD" ] || die "no executable dockerd at $DOCKERD"
    [ -S /run/containerd/containerd.sock ] && log "warning: a system containerd runs; dockerd will use it instead of its own"
    # The four network flags are not optional: no docker0, no NAT/iptables rules, no forwarding.
    flags=(--bridge=none --iptables=false --ip-forward=false --ip-masq=false)
    help=$("$DOCKERD" --help 2>&1 || true)
    [[ $help == *--ip6tables* ]] && flags+=(--ip6tables=false)
    if [ -n "${DOCKMATRIX_TLS_LISTEN:-}" ]; then
      [[ $DOCKMATRIX_TLS_LISTEN =~ ^127\.0\.0\.1:[0-9]+$ ]] || die "DOCKMATRIX_TLS_LISTEN must be 127.0.0.1:PORT (loopback only)"
      local certs=${DOCKMATRIX_TLS_CERTS:?DOCKMATRIX_TLS_CERTS names the folder of ca.pem, server-cert.pem, server-key.pem}
      flags+=(-H "tcp://$DOCKMATRIX_TLS_LISTEN" --tlsverify --tlscacert "$certs/ca.pem" --tlscert "$certs/server-cert.pem"
        --tlskey "$certs/server-key.pem")
    fi
    log "starting $DOCKERD for $DIR (log: $LOG)"
    # setsid + /dev/null stdin + log file: detached from our session and from any caller's pipes.
    setsid "$DOCKERD" --data-root "$DIR/data" --exec-root "$DIR/exec" --pidfile "$PIDFILE" \
      -H "unix://$SOCK" "${flags[@]}" >"$LOG" 2>&1 </dev/null 9>&- &   # 9>&-: it must not hold our lock
    spid=$!
  fi
  t0=$(date +%s%N)
  while (($(date +%s%N) - t0 < 60000000000)); do  # up to 60 s; 0.1-1.3 s is usual
    if ping_ok; then log "dockerd answers on $SOCK after $((($(date +%s%N) - t0) / 1000000)) ms"; return 0; fi
    if ! alive "$spid" && ! owned_pid "$PIDFILE" >/dev/null; then
      # A dockerd ended mid-write (killed after its 30 s) can leave a network store it cannot restore: 20.10
      # panics in daemon.restore -> initNetworkController, or says "Error initializing network controller". The
      # store is rebuilt at start: set it aside once, saying so, and start again (containers, images, volumes stay).
      local kv=$DIR/data/network/files/local-kv.db
      if [ "${1:-}" != again ] && [ -f "$kv" ] && grep -Eq 'initNetworkController|Error initializing network controller' "$LOG"; then
        drop_bridges "$kv"   # the daemon forgets those networks: their bridges would stay on the host
        mv -f "$kv" "$kv.broken-$(date +%s)"
        log "dockerd could not restore its network store; set it aside ($kv.broken-*) and starting again"
        start_daemon again; return
      fi
      log "dockerd exited during start-up; last log lines:"; tail -n 20 "$LOG" >&2 || true; exit 1
    fi
    sleep 0.1
  done
  log "dockerd did not answer /_ping within 60 s; last log lines:"; tail -n 20 "$LOG" >&2 || true
  [ -s "$PIDFILE" ] || echo "$spid" >"$PIDFILE"   # so stop_daemon ends it even before it wrote one
  stop_daemon; exit 1
}

# Removes from this namespace the bridge of each user network in the network store $1 (br-<first 12 hex of its id>):
# dockerd keeps them when it stops, so a store set aside, or a DIR removed, would leave them on the host for good.
# Only bridges named after a network of DIR's own store are touched.
drop_bridges() {
  local id
  [ -f "$1" ] || return 0
  for id in $(grep -ao 'bridge/[0-9a-f]\{64\}' "$1" 2>/dev/null | sed 's#^bridge/##' | sort -u); do
    if ip link show "br-${id:0:12}" >/dev/null 2>&1; then
      log "removing br-${id:0:12}, the bridge of a network of $DIR"
      ip link delete "br-${id:0:12}" || true
    fi
  done
}

image_exists() { [ "$(api -o /dev/null -w '%{http_code}' "http://localhost/images/$IMAGE_REPO:$IMAGE_TAG/json" || true)" = 200 ]; }

# No registry is reachable: import a one-binary busybox rootfs through the API (POST /images/create
# with fromSrc=-). Not the docker CLI: /usr/local/bin/docker here is another client than Debian's.
ensure_image() {
  image_exists && return 0
  local tmp a out
  tmp=$(mktemp -d "$DIR/rootfs.XXXXXX")
  mkdir -p "$tmp/root/bin" "$tmp/root/tmp"
  cp /bin/busybox "$tmp/root/bin/busybox"
  for a in sh sleep echo cat ls true false env ps top id wc head tail tar mkdir rm; do
    ln -s busybox "$tmp/root/bin/$a"
  done
  tar -C "$tmp/root" -cf "$tmp/rootfs.tar" .
  # changes=CMD ["sh"], urlencoded, so a create without Cmd still has something to run.
  out=$(API_TIMEOUT=60 api -X POST --data-binary "@$tmp/rootfs.tar" -H 'Content-Type: application/x-tar' \
    "http://localhost/images/create?fromSrc=-&repo=$IMAGE_REPO&tag=$IMAGE_TAG&changes=CMD%20%5B%22sh%22%5D" 2>&1 || true)
  rm -rf "$tmp"
  # Podman 4.3's compat import ignores `tag` (it names the image docker.io/REPO:latest): tag it by id.
  local id
  if ! image_exists && id=$(grep -o 'sha256:[0-9a-f]\{64\}' <<<"$out" | tail -n 1) && [ -n "$id" ]; then
    api -o /dev/null -X POST "http://localhost/images/$id/tag?repo=$IMAGE_REPO&tag=$IMAGE_TAG" || true
  fi
  image_exists || die "importing $IMAGE_REPO:$IMAGE_TAG failed: $out"
  log "imported $IMAGE_REPO:$IMAGE_TAG"
}

stop_daemon() {
  local pid id ids
  if ping_ok; then
    # dockerd gives every running container its stop timeout (10 s, and `sleep` as PID 1 ignores
    # SIGTERM) at shutdown; force-removing them first makes the stop take well under a second.
    ids=$(api http://localhost/containers/json?all=1 | grep -o '"Id":"[0-9a-f]*"' | sed 's/.*:"//; s/"$//' || true)
    for id in $ids; do api -o /dev/null -X DELETE "http://localhost/containers/$id?force=1" || true; done
  fi
  if pid=$(owned_pid "$PIDFILE"); then
    log "stopping dockerd $pid"
    term_wait "$pid" 300
  fi
  # dockerd stops its own containerd; after a SIGKILL (or a crash) that containerd is left behind.
  if pid=$(owned_pid "$CTRD_PIDFILE"); then
    log "stopping leftover containerd $pid"
    term_wait "$pid" 50
  fi
  # Shims outlive containerd, and so do their containers. Each container's pid 1 is in an init.pid
  # under DIR; kill it and its parent shim, but only when that parent's cmdline names DIR.
  local f shim
  for f in "$DIR"/exec/containerd/daemon/io.containerd.runtime.v2.task/*/*/init.pid; do
    [ -f "$f" ] || continue
    pid=$(cat "$f" 2>/dev/null || true)
    [[ $pid =~ ^[0-9]+$ ]] || continue
    shim=$(sed 's/.*) . //; s/ .*//' "/proc/$pid/stat" 2>/dev/null || true)   # field 4: ppid
    [[ $shim =~ ^[0-9]+$ ]] || continue
    [[ $( { tr '\0' ' ' <"/proc/$shim/cmdline"; } 2>/dev/null || true) == *" $DIR/"* ]] || continue
    log "killing leftover container process $pid and its shim $shim"
    kill -KILL "$pid" "$shim" 2>/dev/null || true   # containerd is gone: the shim has no use left
    # A killed shim leaves its socket behind: /run/containerd/s/sha256(<containerd.sock>/<ns>/<id>).
    f=${f%/init.pid}; f=$(printf %s "$DIR/exec/containerd/containerd.sock/${f#*.task/}" | sha256sum)
    rm -f "/run/containerd/s/${f%% *}"
  done
  # A shim whose container exited while containerd went away has no live init.pid to be found by, and waits
  # for that containerd for ever: end each shim whose command line names DIR's containerd socket.
  local p cmd ns id
  for p in /proc/[0-9]*; do
    cmd=$( { tr '\0' ' ' <"$p/cmdline"; } 2>/dev/null || true)
    [[ $cmd == *containerd-shim*" -address $DIR/exec/containerd/containerd.sock "* ]] || continue
    log "killing leftover shim ${p#/proc/}"
    kill -KILL "${p#/proc/}" 2>/dev/null || true
    [[ $cmd =~ " -namespace "([^ ]+).*" -id "([^ ]+) ]] || continue
    ns=${BASH_REMATCH[1]} id=${BASH_REMATCH[2]}
    f=$(printf %s "$DIR/exec/containerd/containerd.sock/$ns/$id" | sha256sum)
    rm -f "/run/containerd/s/${f%% *}"
  done
  # Leftover mounts (overlay layers, netns, the data-root bind mount) only after an unclean stop.
  awk -v d="$DIR/" 'index($2, d) == 1 {print $2}' /proc/mounts | sort -r |
    while read -r m; do umount -l "$m" 2>/dev/null || true; done
  rm -f "$PIDFILE" "$CTRD_PIDFILE"
}

# One start or stop at a time per DIR: two concurrent starts would launch two dockerds on one data-root.
lock() { mkdir -p "$DIR"; exec 9>"$DIR/.lock"; flock 9; }

case $VERB in
  start)
    [ "$(id -u)" = 0 ] || die "start needs root (apt-get, dockerd)"
    lock
    install_pkgs
    start_daemon
    ensure_image
    echo "export DOCKER_HOST=unix://$SOCK" ;;
  stop) if [ -d "$DIR" ]; then lock; fi; stop_daemon ;;
  purge) if [ -d "$DIR" ]; then lock; fi; stop_daemon; drop_bridges "$DIR/data/network/files/local-kv.db"
    rm -rf "$DIR" ;;
  image) ping_ok || die "nothing answers on $SOCK"; mkdir -p "$DIR"; ensure_image ;;
  env) ping_ok || die "no dockerd answers on $SOCK (run: bash scripts/dockerd.sh start $DIR)"
    echo "export DOCKER_HOST=unix://$SOCK" ;;
  *) usage ;;
esac
