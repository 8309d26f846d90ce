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
#   podman-5.4     Debian trixie's podman, unpacked into .daemons/ with trixie's glibc beside it (never installed)
#   podman-5.8     Debian sid's podman, likewise with sid's (sid moves: `version` says what was fetched)
#   podman-6.1     Debian experimental's podman and netavark 2, sid's glibc; in a mount namespace of its own
#                  with cgroup2 on /sys/fs/cgroup (it refuses cgroup v1), its socket still under DIR
# The unpacked podmans use bookworm's conmon, runc, netavark (6.1: experimental's), aardvark-dns and config files.
# DIR defaults to /tmp/dockmatrix-NAME. `start` prints one line on stdout, `export DOCKER_HOST=unix://...`;
# everything else goes to stderr. Every daemon listens on a unix socket only, with no bridge, no iptables and
# no IP forwarding; containers must use NetworkMode "none". `stop` ends only the processes this script started.
# With DOCKMATRIX_NO_INSTALL set, nothing is installed: a missing package exits 127, naming it.
# With DOCKMATRIX_NETNS=NS, a dockerd starts in the network namespace dockmatrix-NS (bash scripts/netns.sh add NS
# first; its socket under DIR is reached from the host as usual): swarm mode makes docker_gwbridge, a bridge with a
# private-range address that outlives the daemon, so a dockerd that a run may put into a swarm (--allow swarm) runs
# there, and the bridge goes with the namespace (bash scripts/netns.sh del NS --kill, after stop).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
CACHE=${DOCKMATRIX_DAEMONS_CACHE:-$ROOT/.daemons}   # unpacked .debs and the private apt state (git-ignored)
case $CACHE in /*) ;; *) CACHE=$PWD/$CACHE ;; esac    # absolute: the unpacked podmans name their glibc by path
NAMES=(docker-20.10 docker-26.1 docker-28.5 podman-4.3 podman-5.4 podman-5.8 podman-6.1)

usage() { echo "usage: bash scripts/daemons.sh fetch|start|stop|env|version NAME [DIR]  (NAME: ${NAMES[*]}) | list" >&2; exit 2; }
log() { echo "daemons.sh: $*" >&2; }
die() { log "$*"; exit 1; }

[ $# -ge 1 ] || usage
VERB=$1
if [ "$VERB" = list ]; then printf '%s\n' "${NAMES[@]}"; exit 0; fi
if [ "$VERB" = packages ]; then
  NAME='' DIR=/nonexistent
else
  if [ $# -lt 2 ] || [ $# -gt 3 ]; then usage; fi
  NAME=$2
  case " ${NAMES[*]} " in *" $NAME "*) ;; *) die "unknown daemon '$NAME'; known: ${NAMES[*]}" ;; esac
  DIR=${3:-/tmp/dockmatrix-$NAME}
  case $DIR in /*) ;; *) DIR=$PWD/$DIR ;; esac
  while [ "${DIR%/}" != "$DIR" ] && [ "$DIR" != / ]; do DIR=${DIR%/}; done
  [[ $DIR =~ ^/[A-Za-z0-9._/+-]+$ ]] || die "DIR must be an absolute path of [A-Za-z0-9._/+-]: '$DIR'"
fi

# Which suite of Debian's archive each unpacked daemon comes from, and the packages fetched from it (no dependency
# resolution: every package is named). The podmans' are podman and the glibc and libraries it was built against
# (see patch_elf); podman-5.8 and -6.1 need sid's libseccomp2 too (bookworm's lacks seccomp_export_bpf_mem), and
# podman 6.1 needs netavark 2.0 (with bookworm's 1.4, creating a network fails with `500 netavark: : EOF`).
suite_of() {
  case $1 in
    docker-26.1 | podman-5.4) echo trixie ;;
    docker-28.5 | podman-5.8) echo sid ;;
    podman-6.1) echo experimental ;;
  esac
}
debs_of() {
  case $1 in
    docker-*) echo docker.io ;;
    podman-5.4) echo podman libc6 libsubid5 libgpgme11t64 libassuan9 libgpg-error0 ;;
    podman-5.8) echo podman libc6 libsubid6 libgpgme45 libassuan9 libgpg-error0 libseccomp2 ;;
    podman-6.1) echo podman/experimental netavark/experimental libc6 libsubid6 libgpgme45 libassuan9 libgpg-error0 libseccomp2 ;;
  esac
}
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

# The private apt state for SUITE, $CACHE/apt-SUITE: its own sources.list, lists and cache and no dpkg status,
# so nothing is ever installed from it and the system's apt lists are untouched. Experimental holds only what
# differs from sid, so its state lists sid too; experimental is NotAutomatic there, hence PKG/experimental.
APT=()
apt_state() {
  local suite=$1 uri apt
  uri=$(debian_uri)
  apt=$CACHE/apt-$suite
  mkdir -p "$apt/lists/partial" "$apt/cache/archives/partial" "$apt/etc/preferences.d"
  case $suite in
    experimental) printf 'deb %s experimental main\ndeb %s sid main\n' "$uri" "$uri" ;;
    *) printf 'deb %s %s main\n' "$uri" "$suite" ;;
  esac >"$apt/sources.list"
  APT=(-o Dir::Etc::SourceList="$apt/sources.list" -o Dir::Etc::SourceParts=/dev/null
    -o Dir::Etc::Preferences=/dev/null -o Dir::Etc::PreferencesParts="$apt/etc/preferences.d"
    -o Dir::State::Lists="$apt/lists" -o Dir::Cache="$apt/cache" -o Dir::State::Status=/dev/null
    -o APT::Sandbox::User=root -o Acquire::IndexTargets::deb::DEP-11::DefaultEnabled=false
    -o Acquire::IndexTargets::deb::DEP-11-icons::DefaultEnabled=false
    -o Acquire::IndexTargets::deb::DEP-11-icons-small::DefaultEnabled=false
    -o Acquire::IndexTargets::deb::Contents-deb::DefaultEnabled=false)
}

# apt-get download of PKG... from SUITE under its private apt state, each unpacked with dpkg-deb -x into
# DEST/root (DEST is replaced whole); DEST/debs names the .debs, one a line, in the order given. Nothing is
# installed. The caller holds the fetch lock (fetch_lock).
fetch_debs() {
  local suite=$1 dest=$2 apt p deb
  shift 2
  apt=$CACHE/apt-$suite
  apt_state "$suite"
  log "fetching $* from Debian $suite (private apt state in $apt)"
  apt-get "${APT[@]}" update -q >&2 || die "apt-get update of $suite failed"
  rm -rf "$apt/download" && mkdir -p "$apt/download"
  (cd "$apt/download" && apt-get "${APT[@]}" download "$@" >&2) || die "apt-get download $* ($suite) failed"
  rm -rf "$dest.new" && mkdir -p "$dest.new/root"
  for p in "$@"; do
    p=${p%%/*}   # PKG/experimental
    deb=$(ls "$apt/download/${p}_"*.deb) || die "apt-get download left no ${p}_*.deb"
    dpkg-deb -x "$deb" "$dest.new/root"
    basename "$deb" >>"$dest.new/debs"
  done
  rm -rf "$apt/download" "${dest:?}"
  mv "$dest.new" "$dest"
}

# One fetch at a time: the apt states, patchelf and the unpacked folders are shared by every NAME.
fetch_lock() { mkdir -p "$CACHE"; exec 8>"$CACHE/.fetch.lock"; flock 8; }

# --- the unpacked podmans -----------------------------------------------------------------------------------
# Every newer podman (and netavark 2) needs a newer glibc than bookworm's 2.36 (GLIBC_2.38 at least: the binaries
# and the libraries beside them call __isoc23_strtol), and two glibcs do not mix: LD_LIBRARY_PATH to the newer
# one fails (`symbol lookup error: ... GLIBC_PRIVATE`), and running podman through the newer ld-linux as a
# wrapper starts the service but breaks the image import (podman re-executes /proc/self/exe, with bookworm's
# loader). So the binary itself is pointed at the suite's glibc and libraries unpacked beside it: bookworm's
# patchelf (downloaded and unpacked too, never installed) sets its ELF interpreter and a DT_RPATH (which, unlike
# RUNPATH, also serves the libraries' own dependencies) to absolute paths under $CACHE/NAME/root, re-done
# whenever that folder moved. The system's glibc is untouched, and podman's children (conmon, runc, netavark,
# aardvark-dns: bookworm's) keep it. A debootstrap chroot of the suite would work too, but is far more to fetch
# and would need the host's /proc, /sys, /dev, DIR and the socket bind-mounted into it.
patchelf_bin() { echo "$CACHE/patchelf/root/usr/bin/patchelf"; }
podman_root() { echo "$CACHE/$NAME/root"; }
podman_bin() { if [ "$NAME" = podman-4.3 ]; then echo /usr/bin/podman; else echo "$(podman_root)/usr/bin/podman"; fi; }
podman_lib() { echo "$(podman_root)/usr/lib/x86_64-linux-gnu"; }
# The major version of NAME's podman: what start does depends on it, not on NAME, since sid and experimental move.
podman_major() { local v; v=$("$(podman_bin)" --version 2>/dev/null) || v=; v=${v##* }; echo "${v%%.*}"; }

patch_elf() {
  local f=$1 pe lib
  pe=$(patchelf_bin) lib=$(podman_lib)
  [ -e "$lib/ld-linux-x86-64.so.2" ] || die "$NAME: no ld-linux-x86-64.so.2 in $lib (bash scripts/daemons.sh fetch $NAME with DOCKMATRIX_REFETCH=1)"
  if [ "$("$pe" --print-interpreter "$f" 2>/dev/null || true)" = "$lib/ld-linux-x86-64.so.2" ] &&
    [ "$("$pe" --print-rpath "$f" 2>/dev/null || true)" = "$lib" ]; then
    return 0
  fi
  log "pointing ${f#"$(podman_root)"/} at the glibc in $lib"
  "$pe" --set-interpreter "$lib/ld-linux-x86-64.so.2" --force-rpath --set-rpath "$lib" "$f" || die "patchelf $f failed"
}

patch_podman() {
  local root nv out
  root=$(podman_root) nv=$(podman_root)/usr/lib/podman/netavark
  patch_elf "$root/usr/bin/podman"
  # Experimental's netavark only if bookworm's glibc cannot run it as it is.
  if [ -x "$nv" ] && ! "$nv" --version >/dev/null 2>&1; then patch_elf "$nv"; fi
  if [ -x "$nv" ]; then out=$("$nv" --version 2>&1) || die "$NAME: $nv does not run: $out"; fi
  out=$("$root/usr/bin/podman" --version 2>&1) || die "$NAME: the unpacked podman does not run: $out"
}

# "podman version X (Debian SUITE: the .debs)"
podman_version() {
  local v
  v=$("$(podman_bin)" --version) || die "$NAME: podman --version failed (moved? bash scripts/daemons.sh fetch $NAME re-points it)"
  if [ "$NAME" = podman-4.3 ]; then echo "$v"; return 0; fi
  local suite; suite=$(suite_of "$NAME")
  [ "$suite" = experimental ] && suite="experimental and sid"
  echo "$v (Debian $suite: $(paste -sd ' ' "$CACHE/$NAME/debs"))"
}

fetch() {
  case $NAME in
    docker-20.10) apt_install docker.io busybox-static ;;
    docker-26.1 | docker-28.5)
      # Bookworm's containerd, runc and docker-init serve the newer dockerd too.
      apt_install docker.io busybox-static
      fetch_lock
      if [ -x "$(unpacked_dockerd)" ] && [ -z "${DOCKMATRIX_REFETCH:-}" ]; then
        log "$NAME: already fetched: $("$(unpacked_dockerd)" --version) (DOCKMATRIX_REFETCH=1 fetches again)"
      else
        fetch_debs "$(suite_of "$NAME")" "$CACHE/$NAME" docker.io
        log "$NAME: $("$(unpacked_dockerd)" --version)  (from $(cat "$CACHE/$NAME/debs"))"
      fi
      exec 8>&- ;;
    # podman's containers.conf says runc: bookworm's podman pulls in crun, which none of the podmans here can use.
    podman-4.3) apt_install podman conmon runc netavark aardvark-dns busybox-static ;;
    podman-*)
      # Bookworm's podman for what the unpacked ones use from the system: conmon 2.1.6, runc 1.1.5, netavark 1.4
      # (6.1: experimental's), aardvark-dns and the containers config files (seccomp.json, policy.json,
      # storage.conf). Bookworm's crun fails with every newer podman.
      apt_install podman conmon runc netavark aardvark-dns busybox-static
      fetch_lock
      [ -x "$(patchelf_bin)" ] || fetch_debs bookworm "$CACHE/patchelf" patchelf
      if [ -x "$(podman_root)/usr/bin/podman" ] && [ -z "${DOCKMATRIX_REFETCH:-}" ]; then
        patch_podman
        log "$NAME: already fetched: $(podman_version) (DOCKMATRIX_REFETCH=1 fetches again)"
      else
        # shellcheck disable=SC2046
        fetch_debs "$(suite_of "$NAME")" "$CACHE/$NAME" $(debs_of "$NAME")
        patch_podman
        log "$NAME: $(podman_version)"
      fi
      local v; v=$("$(podman_bin)" --version); v=${v##* }
      case $v in "${NAME#podman-}".*) ;; *) log "warning: $NAME is podman $v now (Debian $(suite_of "$NAME") moved)" ;; esac
      exec 8>&- ;;
  esac
}

if [ "$VERB" = packages ]; then apt_install "${@:2}"; exit 0; fi

# --- podman -------------------------------------------------------------------------------------------------

PSOCK=$DIR/podman.sock PPIDFILE=$DIR/podman.pid PLOG=$DIR/podman.log PCONF=$DIR/containers.conf
POVERRIDE=$DIR/containers-override.conf
podman_args() { echo --root "$DIR/storage" --runroot "$DIR/run" --tmpdir "$DIR/libpod-tmp" --storage-driver overlay; }

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
# podman writes (storage, networks, secrets, events, volumes) stays under DIR. Podman 6 and later read
# podman6-containers.conf on top (CONTAINERS_CONF_OVERRIDE): no pids limit, experimental's netavark.
# $1: podman's major version.
podman_conf() {
  mkdir -p "$DIR/networks" "$DIR/libpod-tmp" "$DIR/run"
  sed -e "s|@DIR@|$DIR|g" "$ROOT/scripts/podman-containers.conf" >"$PCONF"
  rm -f "$POVERRIDE"
  if [ "$1" -ge 6 ]; then
    sed -e "s|@DIR@|$DIR|g; s|@HELPERS@|$(podman_root)/usr/lib/podman|g" \
      "$ROOT/scripts/podman6-containers.conf" >"$POVERRIDE"
  fi
  # No registry is reachable: no search registries, so a short name never leaves the machine.
  printf 'unqualified-search-registries = []\nshort-name-mode = "disabled"\n' >"$DIR/registries.conf"
}

podman_start() {
  local podman env major wrap=()
  podman=$(podman_bin)
  [ -x "$podman" ] || die "$podman is missing (bash scripts/daemons.sh fetch $NAME)"
  mkdir -p "$DIR"
  if podman_ping; then log "reusing the podman service that answers on $PSOCK"; return 0; fi
  major=$(podman_major)
  [[ $major =~ ^[0-9]+$ ]] || die "$podman --version does not run (bash scripts/daemons.sh fetch $NAME)"
  podman_stop
  podman_conf "$major"
  env=(CONTAINERS_CONF="$PCONF" CONTAINERS_REGISTRIES_CONF="$DIR/registries.conf")
  case $major in
    4) ;;
    # 5.x warns on every call that cgroup v1 is deprecated.
    5) env+=(PODMAN_IGNORE_CGROUPSV1_WARNING=1) ;;
    *)
      env+=(CONTAINERS_CONF_OVERRIDE="$POVERRIDE")
      # Podman 6 refuses cgroup v1 (`level=fatal msg="Cgroups v1 not supported"`): on a v1 or hybrid host it runs
      # in a mount namespace of its own with the cgroup2 hierarchy (the host's /sys/fs/cgroup/unified) mounted on
      # /sys/fs/cgroup. The exec keeps the pid podman's; the socket under DIR is reachable from the host, the
      # container mounts stay inside the namespace and go with it (`podman` CLI: nsenter -t PID -m).
      if [ "$(stat -f -c %T /sys/fs/cgroup)" != cgroup2fs ]; then
        # shellcheck disable=SC2016
        wrap=(unshare -m --propagation private sh -c 'mount -t cgroup2 none /sys/fs/cgroup && exec "$0" "$@"')
      fi ;;
  esac
  log "starting $("$podman" --version) system service for $DIR (log: $PLOG)"
  # shellcheck disable=SC2046
  setsid env "${env[@]}" "${wrap[@]}" "$podman" $(podman_args) system service --time=0 "unix://$PSOCK" \
    >"$PLOG" 2>&1 </dev/null 8>&- 9>&- &
  echo $! >"$PPIDFILE"
  local t0; t0=$(date +%s%N)
  while (($(date +%s%N) - t0 < 30000000000)); do
    if podman_ping; then log "podman answers on $PSOCK after $((($(date +%s%N) - t0) / 1000000)) ms"; return 0; fi
    alive "$(cat "$PPIDFILE")" || { log "podman exited during start-up; last log lines:"; tail -n 20 "$PLOG" >&2; podman_stop; exit 1; }
    sleep 0.1
  done
  log "podman did not answer /_ping within 30 s; last log lines:"; tail -n 20 "$PLOG" >&2; podman_stop; exit 1
}

podman_stop() {
  local pid ids='' ours='' f
  # This daemon's containers, for podman_rm_cgroups: those of its storage, and those its API lists.
  for f in "$DIR"/storage/overlay-containers/*/; do if [ -d "$f" ]; then ours+=" $(basename "$f")"; fi; done
  if pid=$(podman_pid); then
    if podman_ping; then
      # Running containers would outlive the service (conmon keeps them): remove them through the API first.
      local id
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
  # conmon processes of containers under DIR whose removal failed (and each exec's, which lingers 300 s:
  # --exit-delay): only those naming DIR.
  local p cmd
  for p in /proc/[0-9]*; do
    cmd=$( { tr '\0' ' ' <"$p/cmdline"; } 2>/dev/null || true)
    [[ $cmd == *conmon*" $DIR/"* ]] || continue
    log "killing leftover conmon ${p#/proc/}"
    kill -KILL "${p#/proc/}" 2>/dev/null || true
  done
  awk -v d="$DIR/" 'index($2, d) == 1 {print $2}' /proc/mounts | sort -r |
    while read -r m; do umount -l "$m" 2>/dev/null || true; done
  podman_rm_cgroups "$ours $ids"
  rm -f "$PPIDFILE"
}

# A container whose start failed, or whose service was killed, can leave its cgroup behind in every hierarchy
# (podman 6's in the cgroup2 one: the host's /sys/fs/cgroup/unified): libpod_parent/libpod-ID. Only the IDs of
# DIR's containers, and rmdir only ever removes an empty cgroup. libpod_parent and libpod_parent/conmon are
# shared by every podman on the host and stay.
podman_rm_cgroups() {
  local id d
  for id in $1; do
    [[ $id =~ ^[0-9a-f]{64}$ ]] || continue
    for d in /sys/fs/cgroup/libpod_parent /sys/fs/cgroup/*/libpod_parent; do
      if [ -d "$d/libpod-$id" ] && rmdir "$d/libpod-$id" 2>/dev/null; then log "removed the empty cgroup $d/libpod-$id"; fi
    done
  done
}

# --- verbs --------------------------------------------------------------------------------------------------

docker_sh() {
  if [ "$2" = start ] && [ -n "${DOCKMATRIX_NETNS:-}" ]; then
    DOCKMATRIX_DOCKERD=$1 bash "$ROOT/scripts/netns.sh" exec "$DOCKMATRIX_NETNS" -- bash "$ROOT/scripts/dockerd.sh" "${@:2}"
  else
    DOCKMATRIX_DOCKERD=$1 bash "$ROOT/scripts/dockerd.sh" "${@:2}"
  fi
}

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
      podman-*)
        exec 9>"$DIR.lock" && flock 9
        podman_start
        DOCKMATRIX_SOCK=$PSOCK bash "$ROOT/scripts/dockerd.sh" image "$DIR"
        echo "export DOCKER_HOST=unix://$PSOCK" ;;
      *) docker_sh "$(dockerd_of)" start "$DIR" ;;
    esac ;;
  stop)
    case $NAME in
      podman-*) if [ -d "$DIR" ]; then exec 9>"$DIR.lock" && flock 9; fi; podman_stop ;;
      *) docker_sh "$(dockerd_of)" stop "$DIR" ;;
    esac ;;
  env)
    case $NAME in
      podman-*) podman_ping || die "no podman answers on $PSOCK (run: bash scripts/daemons.sh start $NAME $DIR)"
        echo "export DOCKER_HOST=unix://$PSOCK" ;;
      *) docker_sh "$(dockerd_of)" env "$DIR" ;;
    esac ;;
  version)
    case $NAME in
      podman-4.3) podman --version ;;
      podman-*) [ -x "$(podman_bin)" ] || die "$NAME is not fetched (bash scripts/daemons.sh fetch $NAME)"; podman_version ;;
      *) [ -x "$(dockerd_of)" ] || die "$NAME is not fetched (bash scripts/daemons.sh fetch $NAME)"; "$(dockerd_of)" --version ;;
    esac ;;
  *) usage ;;
esac
