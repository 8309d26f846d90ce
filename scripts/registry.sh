#!/usr/bin/env bash
# A private image registry on loopback for the push/pull/distribution tests (Debian 12, root): Debian's
# docker-registry (distribution 2.8), with its own config, storage and log under DIR.
#   bash scripts/registry.sh start|stop|env DIR [NETNS]
# The registry listens on ${DOCKMATRIX_REGISTRY_ADDR:-127.0.0.1:5000} and nowhere else (any address but
# 127.0.0.1:PORT is refused; after the start its listening sockets are checked). With NETNS it runs in the network
# namespace dockmatrix-NETNS (bash scripts/netns.sh add NETNS first), and so does the readiness check: the daemon
# that pushes to it must run there too. dockerd takes any 127.0.0.0/8 registry as insecure (plain http) by itself.
# DOCKMATRIX_REGISTRY_AUTH=1 turns on htpasswd auth: user `dockmatrix`, a random password in DIR/password (bcrypt in
# DIR/htpasswd, kept across restarts of the same DIR).
# `start` and `env` print on stdout `export DOCKMATRIX_REGISTRY=127.0.0.1:PORT`, plus DOCKMATRIX_REGISTRY_USER and
# DOCKMATRIX_REGISTRY_PASSWORD when auth is on; everything else goes to stderr. `stop` ends only the registry this
# script started for DIR (by DIR/registry.pid, checked against its command line); storage and password stay.
# Debian's docker-registry package comes with a systemd service listening on :5000: it is never started (the
# packages are installed by scripts/daemons.sh, whose policy-rc.d bars package scripts from starting services, and
# this machine has no systemd), and its /etc/docker/registry/config.yml is never read.
# Needs docker-registry (and apache2-utils for auth): installed with `bash scripts/daemons.sh packages` when missing;
# with DOCKMATRIX_NO_INSTALL set, a missing one exits 127, naming it.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
REGISTRY=/usr/bin/docker-registry

usage() { echo "usage: bash scripts/registry.sh start|stop|env DIR [NETNS]" >&2; exit 2; }
log() { echo "registry.sh: $*" >&2; }
die() { log "$*"; exit 1; }

if [ $# -lt 2 ] || [ $# -gt 3 ]; then usage; fi
VERB=$1 DIR=$2 NETNS=${3:-}
case $DIR in /*) ;; *) DIR=$PWD/$DIR ;; esac
while [ "${DIR%/}" != "$DIR" ] && [ "$DIR" != / ]; do DIR=${DIR%/}; done
# Plain characters only: DIR is written into YAML and matched inside the registry's command line.
[[ $DIR =~ ^/[A-Za-z0-9._/+-]+$ ]] || die "DIR must be an absolute path of [A-Za-z0-9._/+-]: '$DIR'"
CONF=$DIR/config.yml PIDFILE=$DIR/registry.pid LOG=$DIR/registry.log PASSFILE=$DIR/password HTPASSWD=$DIR/htpasswd
USER_NAME=dockmatrix

# Runs "$@" in the namespace when NETNS is given (scripts/netns.sh exec: nsenter --net, never `ip netns exec`).
in_ns() {
  if [ -n "$NETNS" ]; then bash "$ROOT/scripts/netns.sh" exec "$NETNS" -- "$@"; else "$@"; fi
}

alive() { local st; st=$(sed 's/.*) //; s/ .*//' "/proc/$1/stat" 2>/dev/null || true); [ -n "$st" ] && [ "$st" != Z ] && [ "$st" != X ]; }

# The pid in DIR/registry.pid if it is alive and is `docker-registry serve DIR/config.yml` (never a reused pid).
owned_pid() {
  local pid cmd
  pid=$(cat "$PIDFILE" 2>/dev/null || true)
  [[ $pid =~ ^[0-9]+$ ]] && alive "$pid" || return 1
  cmd=$( { tr '\0' ' ' <"/proc/$pid/cmdline"; } 2>/dev/null || true)
  [[ $cmd == "$REGISTRY serve $CONF " ]] || return 1
  echo "$pid"
}

# The address of the running config (so `env` and `stop` need not be given DOCKMATRIX_REGISTRY_ADDR again).
conf_addr() { sed -n 's/^  addr: \(127\.0\.0\.1:[0-9]*\)$/\1/p' "$CONF" 2>/dev/null | head -n 1; }
conf_auth() { grep -q '^  htpasswd:$' "$CONF" 2>/dev/null; }

# GET http://ADDR/v2/ (in the namespace): the status code, or 000 when nothing answers. --noproxy: a proxy from the
# environment must never see this request.
v2_code() {
  in_ns curl -sS --noproxy '*' --max-time 2 -o /dev/null -w '%{http_code}' "http://$1/v2/" 2>/dev/null || true
}

# Every listening TCP socket of pid $1 must be on 127.0.0.1 (0100007F in /proc/net/tcp) and none on IPv6.
check_listen() {
  local pid=$1 inodes f bad=0 n=0 _sl laddr _rem st _q _t _r _uid _to inode _rest
  inodes=" $(find "/proc/$pid/fd" -lname 'socket:*' -printf '%l\n' 2>/dev/null | sed 's/socket:\[\(.*\)\]/\1/' | tr '\n' ' ')"
  for f in tcp tcp6 udp udp6; do
    # st 0A is LISTEN (tcp); 07 is an unconnected (bound) udp socket
    while read -r _sl laddr _rem st _q _t _r _uid _to inode _rest; do
      [[ $inodes == *" $inode "* ]] || continue
      case $f:$st in tcp*:0A | udp*:07) ;; *) continue ;; esac
      n=$((n + 1))
      if [ "$f" = tcp ] && [[ $laddr == 0100007F:* ]]; then continue; fi
      log "the registry listens on $f $laddr (not 127.0.0.1)"; bad=1
    done < <(tail -n +2 "/proc/$pid/net/$f" 2>/dev/null)
  done
  [ "$bad" = 0 ] && [ "$n" -ge 1 ]
}

stop_registry() {
  local pid i
  if pid=$(owned_pid); then
    log "stopping docker-registry $pid"
    kill -TERM "$pid" 2>/dev/null || true
    for ((i = 0; i < 50; i++)); do alive "$pid" || break; sleep 0.1; done
    if alive "$pid"; then log "docker-registry $pid ignored SIGTERM for 5 s; sending SIGKILL"; kill -KILL "$pid" 2>/dev/null || true; fi
  fi
  rm -f "$PIDFILE"
}

print_env() {
  local addr=$1
  echo "export DOCKMATRIX_REGISTRY=$addr"
  if conf_auth; then
    echo "export DOCKMATRIX_REGISTRY_USER=$USER_NAME"
    echo "export DOCKMATRIX_REGISTRY_PASSWORD=$(cat "$PASSFILE")"   # base64url characters only: no quoting needed
  fi
}

write_config() {
  local addr=$1 auth=$2
  mkdir -p "$DIR/storage"
  {
    echo "# Written by scripts/registry.sh: a loopback-only registry for dockmatrix's tests."
    echo "version: 0.1"
    echo "log:"
    echo "  level: info"
    echo "storage:"
    echo "  filesystem:"
    echo "    rootdirectory: $DIR/storage"
    echo "  delete:"
    echo "    enabled: true"
    echo "http:"
    echo "  addr: $addr"
    # Its own secret: without one the registry warns at every start (it signs upload state with it).
    echo "  secret: $(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')"
    echo "  headers:"
    echo "    X-Content-Type-Options: [nosniff]"
    if [ "$auth" = 1 ]; then
      echo "auth:"
      echo "  htpasswd:"
      echo "    realm: dockmatrix"
      echo "    path: $HTPASSWD"
    fi
  } >"$CONF"
}

make_password() {
  if [ -s "$PASSFILE" ] && [ -s "$HTPASSWD" ]; then return 0; fi
  (umask 077 && head -c 18 /dev/urandom | base64 | tr '+/' '-_' >"$PASSFILE")
  # -i: the password from stdin, so it never shows in a process list.
  (umask 077 && htpasswd -Bin "$USER_NAME" <"$PASSFILE" >"$HTPASSWD") || die "htpasswd failed"
  log "created user $USER_NAME with a random password ($PASSFILE)"
}

start_registry() {
  local addr auth cur_auth pkgs=(docker-registry) pid t0 code want
  addr=${DOCKMATRIX_REGISTRY_ADDR:-127.0.0.1:5000}
  if ! [[ $addr =~ ^127\.0\.0\.1:([0-9]{4,5})$ ]] || [ "${BASH_REMATCH[1]}" -lt 1024 ] || [ "${BASH_REMATCH[1]}" -gt 65535 ]; then
    die "DOCKMATRIX_REGISTRY_ADDR must be 127.0.0.1:PORT with PORT 1024-65535 (loopback only): '$addr'"
  fi
  auth=0 want=200
  if [ -n "${DOCKMATRIX_REGISTRY_AUTH:-}" ] && [ "${DOCKMATRIX_REGISTRY_AUTH}" != 0 ]; then auth=1 want=401 pkgs+=(apache2-utils); fi
  # Missing packages: installed with apt (package scripts barred from starting services), or exit 127 naming them
  # with DOCKMATRIX_NO_INSTALL set (scripts/daemons.sh does both).
  bash "$ROOT/scripts/daemons.sh" packages "${pkgs[@]}"
  [ -x "$REGISTRY" ] || die "no $REGISTRY after installing docker-registry"
  if [ -n "$NETNS" ]; then
    bash "$ROOT/scripts/netns.sh" exec "$NETNS" -- true || exit 1
  fi
  mkdir -p "$DIR"
  if pid=$(owned_pid); then
    cur_auth=0
    if conf_auth; then cur_auth=1; fi
    # Reused only if it runs with this address and auth, in this namespace, and answers.
    if [ "$(conf_addr)" = "$addr" ] && [ "$cur_auth" = "$auth" ] &&
      [ "$(readlink "/proc/$pid/ns/net" 2>/dev/null || true)" = "$(in_ns readlink /proc/self/ns/net)" ] &&
      [ "$(v2_code "$addr")" = "$want" ]; then
      log "reusing docker-registry $pid on $addr"
      print_env "$addr"
      return 0
    fi
    log "docker-registry $pid runs with another address, auth or namespace; restarting it"
  fi
  stop_registry
  code=$(v2_code "$addr")
  [ "$code" = 000 ] || die "something already answers on $addr${NETNS:+ in dockmatrix-$NETNS} (GET /v2/: $code); not starting another registry"
  if [ "$auth" = 1 ]; then make_password; fi
  write_config "$addr" "$auth"
  log "starting $("$REGISTRY" --version 2>&1 | head -n 1) on $addr${NETNS:+ in network namespace dockmatrix-$NETNS} (log: $LOG)"
  t0=$(date +%s%N)
  # env -i: REGISTRY_* variables of the caller would override the config (REGISTRY_HTTP_ADDR among them).
  # setsid + /dev/null stdin + log file: detached from our session and from any caller's pipes. The pid is
  # the registry's own: netns.sh, nsenter and env each exec the next.
  if [ -n "$NETNS" ]; then
    setsid bash "$ROOT/scripts/netns.sh" exec "$NETNS" -- env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin \
      "$REGISTRY" serve "$CONF" >"$LOG" 2>&1 </dev/null 9>&- &
  else
    setsid env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin "$REGISTRY" serve "$CONF" >"$LOG" 2>&1 </dev/null 9>&- &
  fi
  pid=$!
  echo "$pid" >"$PIDFILE"
  while (($(date +%s%N) - t0 < 30000000000)); do
    code=$(v2_code "$addr")
    if [ "$code" = "$want" ] && owned_pid >/dev/null; then
      if ! check_listen "$pid"; then stop_registry; die "docker-registry $pid listens beyond 127.0.0.1; stopped it"; fi
      log "docker-registry $pid answers GET /v2/ with $code after $((($(date +%s%N) - t0) / 1000000)) ms"
      print_env "$addr"
      return 0
    fi
    if ! alive "$pid"; then
      log "docker-registry exited during start-up; last log lines:"; tail -n 20 "$LOG" >&2 || true
      rm -f "$PIDFILE"; exit 1
    fi
    [ "$code" = 000 ] || [ "$code" = "$want" ] || { log "GET http://$addr/v2/ answers $code, not $want"; stop_registry; exit 1; }
    sleep 0.1
  done
  log "docker-registry did not answer GET /v2/ within 30 s; last log lines:"; tail -n 20 "$LOG" >&2 || true
  stop_registry; exit 1
}

# One start or stop at a time per DIR.
lock() { mkdir -p "$DIR"; exec 9>"$DIR/.lock"; flock 9; }

case $VERB in
  start)
    [ "$(id -u)" = 0 ] || die "start needs root"
    lock
    start_registry ;;
  stop) if [ -d "$DIR" ]; then lock; fi; stop_registry ;;
  env)
    owned_pid >/dev/null || die "no docker-registry of $DIR runs (bash scripts/registry.sh start $DIR${NETNS:+ $NETNS})"
    addr=$(conf_addr)
    [ -n "$addr" ] || die "no address in $CONF"
    if [ -n "$NETNS" ]; then
      code=$(v2_code "$addr")
      [ "$code" = 200 ] || [ "$code" = 401 ] || die "GET http://$addr/v2/ in dockmatrix-$NETNS answers $code"
    fi
    print_env "$addr" ;;
  *) usage ;;
esac
