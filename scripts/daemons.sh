#!/usr/bin/env bash
# The daemons dockmatrix is proven against, fetched and started by the project itself (Debian 12, root):
#   bash scripts/daemons.sh fetch|start|stop|env|version NAME [DIR]
#   bash scripts/daemons.sh list
#   bash scripts/daemons.sh packages PKG...   (apt-get install what is missing, package scripts barred from
#                                             starting services; the test script's one install step)
# NAME is one of:
#   docker-20.10   Debian bookworm's docker.io (installed with apt)
#   docker-26.1    Debian trixie's docker.io, unpacked into .daemons/ (never installed)
#   docker-28.5    Debian sid's docker.io, likewise (sid moves: `version` says what was fetched)
#   podman-4.3     Debian bookworm's podman, `podman system service` with its own root under DIR
# DIR defaults to /tmp/dockmatrix-NAME. `start` prints one line on stdout, `export DOCKER_HOST=unix://...`;
# everything else goes to stderr. Every daemon listens on a unix socket only, with no bridge, no iptables and
# no IP forwarding; containers must use NetworkMode "none". `stop` ends only the processes this script started.
# With DOCKMATRIX_NO_INSTALL set, nothing is installed: a missing package exits 127, naming it.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
CACHE=${DOCKMATRIX_DAEMONS_CACHE:-$ROOT/.daemons}   # unpacked .debs and the private apt state (git-ignored)
NAMES=(docker-20.10 docker-26.1 docker-28.5 podman-4.3)

usage() { echo "usage: bash scripts/daemons.sh fetch|start|stop|env|version NAME [DIR]  (NAME: ${NAMES[*]}) | list" >&2; exit 2; }
log() { echo "daemons.sh: $*" >&2; }
die() { log "$*"; exit 1; }

[ $# -ge 1 ] || usage
VERB=$1
if [ "$VERB" = list ]; then printf '%s\n' "${NAMES[@]}"; exit 0; fi
if [ "$VERB" = packages ]; then
  NAME= DIR=/nonexistent
else
  [ $# -ge 2 ] && [ $# -le 3 ] || usage
  NAME=$2
  case " ${NAMES[*]} " in *" $NAME "*) ;; *) die "unknown daemon '$NAME'; known: ${NAMES[*]}" ;; esac
  DIR=${3:-/tmp/dockmatrix-$NAME}
  case $DIR in /*) ;; *) DIR=$PWD/$DIR ;; esac
  while [ "${DIR%/}" != "$DIR" ] && [ "$DIR" != / ]; do DIR=${DIR%/}; done
  [[ $DIR =~ ^/[A-Za-z0-9._/+-]+$ ]] || die "DIR must be an absolute path of [A-Za-z0-9._/+-]: '$DIR'"
fi

# Which suite of Debian's archive each unpacked dockerd comes from.
suite_of() { case $1 in docker-26.1) echo trixie ;; docker-28.5) echo sid ;; esac; }
unpacked_dockerd() { echo "$CACHE/$NAME/root/usr/sbin/dockerd"; }

POLICY=/usr/sbin/policy-rc.d
# apt-get install with package scripts barred from starting services: docker.io's postinst would otherwise
# start the SYSTEM dockerd (/var/run/docker.sock, a docker0 bridge on 172.17.0.0/16, iptables rules).
apt_install() {
  local missing=() p rc=0
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q '^install ok installed$' || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  if [ -n "${DOCKMATRIX_NO_INSTALL:-}" ]; then
    log "missing Debian packages: ${missing[*]} (DOCKMATRIX_NO_INSTALL is set: bash scripts/test.sh installs them" \
      "first, or: DOCKMATRIX_NO_INSTALL= bash scripts/daemons.sh packages ${missing[*]})"
    exit 127
  fi
  [ "$(id -u)" = 0 ] || die "installing ${missing[*]} needs root"
  [ -x "$POLICY" ] && { "$POLICY" docker start </dev/null >/dev/null 2>&1 || rc=$?; }
  if [ "$rc" != 101 ]; then
    [ -e "$POLICY" ] && die "$POLICY exists but does not exit 101; refusing to install packages that start services"
    # Created once and kept: any later apt run touching docker.io or containerd would start system daemons.
    printf '#!/bin/sh\n# dockmatrix: never start services from package scripts\nexit 101\n' >"$POLICY"
    chmod 755 "$POLICY"
  fi
  log "installing ${missing[*]} with apt-get"
  local wait=(-o DPkg::Lock::Timeout=300)
  DEBIAN_FRONTEND=noninteractive apt-get "${wait[@]}" update -q >&2 || die "apt-get update failed"
  DEBIAN_FRONTEND=noninteractive apt-get "${wait[@]}" install -y -q --no-install-recommends "${missing[@]}" >&2 ||
    die "apt-get install ${missing[*]} failed"
}

# The Debian archive this machine already uses (deb822 .sources or one-line sources.list), so no mirror's host
# is ever written into the repository; only the suite changes.
debian_uri() {
  local f uri
  for f in /etc/apt/sources.list.d/*.sources; do
    [ -f "$f" ] || continue
    # The stanza whose Suites name bookworm (not bookworm-security) and whose URI is not a security archive.
    uri=$(awk 'BEGIN{RS=""} /Suites:[^\n]*bookworm([ \n]|$)/ && !/debian-security/ {
            for (i = 1; i <= NF; i++) if ($i == "URIs:") { print $(i+1); exit } }' "$f")
    [ -n "$uri" ] && { echo "$uri"; return 0; }
  done
  for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
    [ -f "$f" ] || continue
    uri=$(awk '$1 == "deb" && $3 == "bookworm" && $0 !~ /security/ { for (i = 2; i <= NF; i++) if ($i ~ /:\/\//) { print $i; exit } }' "$f")
    [ -n "$uri" ] && { echo "$uri"; return 0; }
  done
  die "no Debian bookworm archive in /etc/apt/sources.list{,.d}; cannot tell where to fetch docker.io from"
}

# apt-get download of docker.io from SUITE under a private apt state, then dpkg-deb -x: nothing is installed
# and the system's apt lists are untouched.
fetch_deb() {
  local suite uri apt deb
  suite=$(suite_of "$NAME")
  uri=$(debian_uri)
  apt=$CACHE/apt-$suite
  mkdir -p "$apt/lists/partial" "$apt/cache/archives/partial" "$apt/etc/preferences.d"
  echo "deb $uri $suite main" >"$apt/sources.list"
  local A=(-o Dir::Etc::SourceList="$apt/sources.list" -o Dir::Etc::SourceParts=/dev/null
    -o Dir::Etc::Preferences=/dev/null -o Dir::Etc::PreferencesParts="$apt/etc/preferences.d"
    -o Dir::State::Lists="$apt/lists" -o Dir::Cache="$apt/cache" -o Dir::State::Status=/dev/null
    -o APT::Sandbox::User=root -o Acquire::IndexTargets::deb::DEP-11::DefaultEnabled=false
    -o Acquire::IndexTargets::deb::DEP-11-icons::DefaultEnabled=false
    -o Acquire::IndexTargets::deb::DEP-11-icons-small::DefaultEnabled=false
    -o Acquire::IndexTargets::deb::Contents-deb::DefaultEnabled=false)
  log "fetching docker.io from Debian $suite (private apt state in $apt)"
  apt-get "${A[@]}" update -q >&2 || die "apt-get update of $suite failed"
  rm -f "$apt"/docker.io_*.deb
  (cd "$apt" && apt-get "${A[@]}" download docker.io >&2) || die "apt-get download docker.io ($suite) failed"
  deb=$(ls "$apt"/docker.io_*.deb)
  rm -rf "$CACHE/$NAME.new" && mkdir -p "$CACHE/$NAME.new"
  dpkg-deb -x "$deb" "$CACHE/$NAME.new/root"
  rm -rf "${CACHE:?}/$NAME" && mv "$CACHE/$NAME.new" "$CACHE/$NAME"
  basename "$deb" >"$CACHE/$NAME/deb"
  log "$NAME: $("$(unpacked_dockerd)" --version)  (from $(cat "$CACHE/$NAME/deb"))"
}

fetch() {
  case $NAME in
    docker-20.10) apt_install docker.io busybox-static ;;
    docker-26.1 | docker-28.5)
      # Bookworm's containerd, runc and docker-init serve the newer dockerd too.
      apt_install docker.io busybox-static
      if [ -x "$(unpacked_dockerd)" ] && [ -z "${DOCKMATRIX_REFETCH:-}" ]; then
        log "$NAME: already fetched: $("$(unpacked_dockerd)" --version) (DOCKMATRIX_REFETCH=1 fetches again)"
      else
        fetch_deb
      fi ;;
    podman-4.3) apt_install podman netavark aardvark-dns busybox-static ;;
  esac
}

if [ "$VERB" = packages ]; then apt_install "${@:2}"; exit 0; fi

# --- podman -------------------------------------------------------------------------------------------------

PSOCK=$DIR/podman.sock PPIDFILE=$DIR/podman.pid PLOG=$DIR/podman.log PCONF=$DIR/containers.conf
podman_args() { echo --root "$DIR/storage" --runroot "$DIR/run" --tmpdir "$DIR/libpod-tmp" --storage-driver overlay; }
podman_env() { CONTAINERS_CONF=$PCONF CONTAINERS_REGISTRIES_CONF=$DIR/registries.conf "$@"; }

alive() { local st; st=$(sed 's/.*) //; s/ .*//' "/proc/$1/stat" 2>/dev/null || true); [ -n "$st" ] && [ "$st" != Z ] && [ "$st" != X ]; }
podman_pid() {
  local pid cmd
  pid=$(cat "$PPIDFILE" 2>/dev/null || true)
  [[ $pid =~ ^[0-9]+$ ]] && alive "$pid" || return 1
  cmd=$( { tr '\0' ' ' <"/proc/$pid/cmdline"; } 2>/dev/null || true)
  [[ $cmd == *"system service"*"$DIR/"* ]] || return 1
  echo "$pid"
}
podman_ping() { [ -S "$PSOCK" ] && [ "$(curl -sS --max-time 2 --unix-socket "$PSOCK" -o /dev/null -w '%{http_code}' http://localhost/_ping 2>/dev/null || true)" = 200 ]; }

# The settings a network-less, systemd-less, journald-less root VM needs (see podman-containers.conf beside
# this script): netns none, cgroupfs, a file events log, runc, and nofile ulimits the VM allows. Everything
# podman writes (storage, networks, secrets, events, volumes) stays under DIR.
podman_conf() {
  mkdir -p "$DIR/networks" "$DIR/libpod-tmp" "$DIR/run"
  sed -e "s|@DIR@|$DIR|g" "$ROOT/scripts/podman-containers.conf" >"$PCONF"
  # No registry is reachable: no search registries, so a short name never leaves the machine.
  printf 'unqualified-search-registries = []\nshort-name-mode = "disabled"\n' >"$DIR/registries.conf"
}

podman_start() {
  command -v podman >/dev/null || die "podman is not installed (bash scripts/daemons.sh fetch podman-4.3)"
  mkdir -p "$DIR"
  if podman_ping; then log "reusing the podman service that answers on $PSOCK"; return 0; fi
  podman_stop
  podman_conf
  log "starting podman system service for $DIR (log: $PLOG)"
  # shellcheck disable=SC2046
  setsid env CONTAINERS_CONF="$PCONF" CONTAINERS_REGISTRIES_CONF="$DIR/registries.conf" \
    podman $(podman_args) system service --time=0 "unix://$PSOCK" >"$PLOG" 2>&1 </dev/null 9>&- &
  echo $! >"$PPIDFILE"
  local t0; t0=$(date +%s%N)
  while (($(date +%s%N) - t0 < 30000000000)); do
    if podman_ping; then log "podman answers on $PSOCK after $((($(date +%s%N) - t0) / 1000000)) ms"; return 0; fi
    alive "$(cat "$PPIDFILE")" || { log "podman exited during start-up; last log lines:"; tail -n 20 "$PLOG" >&2; exit 1; }
    sleep 0.1
  done
  log "podman did not answer /_ping within 30 s; last log lines:"; tail -n 20 "$PLOG" >&2; podman_stop; exit 1
}

podman_stop() {
  local pid
  if pid=$(podman_pid); then
    if podman_ping; then
      # Running containers would outlive the service (conmon keeps them): remove them through the API first.
      local ids id
      ids=$(curl -sS --max-time 10 --unix-socket "$PSOCK" 'http://localhost/containers/json?all=1' |
        grep -o '"Id":"[0-9a-f]*"' | sed 's/.*:"//; s/"$//' || true)
      for id in $ids; do curl -sS --max-time 30 --unix-socket "$PSOCK" -o /dev/null -X DELETE "http://localhost/containers/$id?force=1" || true; done
    fi
    log "stopping podman service $pid"
    kill -TERM "$pid" 2>/dev/null || true
    local i
    for ((i = 0; i < 100; i++)); do alive "$pid" || break; sleep 0.1; done
    alive "$pid" && { log "podman $pid ignored SIGTERM for 10 s; sending SIGKILL"; kill -KILL "$pid" 2>/dev/null || true; }
  fi
  # conmon processes of containers under DIR whose removal failed: only those naming DIR.
  local p cmd
  for p in /proc/[0-9]*; do
    cmd=$( { tr '\0' ' ' <"$p/cmdline"; } 2>/dev/null || true)
    [[ $cmd == *conmon*" $DIR/"* ]] || continue
    log "killing leftover conmon ${p#/proc/}"
    kill -KILL "${p#/proc/}" 2>/dev/null || true
  done
  awk -v d="$DIR/" 'index($2, d) == 1 {print $2}' /proc/mounts | sort -r |
    while read -r m; do umount -l "$m" 2>/dev/null || true; done
  rm -f "$PPIDFILE"
}

# --- verbs --------------------------------------------------------------------------------------------------

docker_sh() { DOCKMATRIX_DOCKERD=$1 bash "$ROOT/scripts/dockerd.sh" "${@:2}"; }

dockerd_of() {
  case $NAME in
    docker-20.10) echo /usr/sbin/dockerd ;;
    *) unpacked_dockerd ;;
  esac
}

case $VERB in
  fetch) fetch ;;
  start)
    [ "$(id -u)" = 0 ] || die "start needs root"
    fetch
    case $NAME in
      podman-4.3)
        exec 9>"$DIR.lock" && flock 9
        podman_start
        DOCKMATRIX_SOCK=$PSOCK bash "$ROOT/scripts/dockerd.sh" image "$DIR"
        echo "export DOCKER_HOST=unix://$PSOCK" ;;
      *) docker_sh "$(dockerd_of)" start "$DIR" ;;
    esac ;;
  stop)
    case $NAME in
      podman-4.3) if [ -d "$DIR" ]; then exec 9>"$DIR.lock" && flock 9; fi; podman_stop ;;
      *) docker_sh "$(dockerd_of)" stop "$DIR" ;;
    esac ;;
  env)
    case $NAME in
      podman-4.3) podman_ping || die "no podman answers on $PSOCK (run: bash scripts/daemons.sh start $NAME $DIR)"
        echo "export DOCKER_HOST=unix://$PSOCK" ;;
      *) docker_sh "$(dockerd_of)" env "$DIR" ;;
    esac ;;
  version)
    case $NAME in
      podman-4.3) podman --version ;;
      *) [ -x "$(dockerd_of)" ] || die "$NAME is not fetched (bash scripts/daemons.sh fetch $NAME)"; "$(dockerd_of)" --version ;;
    esac ;;
  *) usage ;;
esac
