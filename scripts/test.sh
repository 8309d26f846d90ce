#!/usr/bin/env bash
# The test command of the README and of CI (Debian 12, root): install everything the tests need once, serially;
# fetch and start every daemon of the matrix (scripts/daemons.sh); run every test with the live, browser and
# schema tests on; stop the daemons whatever happened.
#   bash scripts/test.sh [extra cargo test args]
# Tests never install anything: one that misses a tool fails and names the package.
set -euo pipefail
cd "$(dirname "$0")/.."

command -v cargo >/dev/null || { echo "test.sh: cargo is not installed (rustup.rs)" >&2; exit 1; }
# Formatting and lints first: they need no daemon, and CI fails on either before minutes of setup.
{ cargo fmt --version && cargo clippy --version; } >/dev/null 2>&1 ||
  { echo "test.sh: rustfmt and clippy are needed (rustup component add rustfmt clippy)" >&2; exit 1; }
cargo fmt --all --check
cargo clippy --locked --all-targets --all-features -- -D warnings
DAEMONS=(docker-20.10 docker-26.1 docker-28.5 podman-4.3 podman-5.4 podman-5.8 podman-6.1)
dir_of() { if [ "$1" = docker-20.10 ]; then echo "${DOCKMATRIX_DAEMON_DIR:-/tmp/dockmatrix-test}"; else echo "/tmp/dockmatrix-test-$1"; fi; }
# The dockerds the live tests put into a swarm (--allow swarm) run in network namespaces of their own, as
# scripts/sweep-all.sh runs them: swarm mode makes a bridge that must never be the host's.
netns_of() { [ "$1" = docker-26.1 ] || [ "$1" = docker-28.5 ]; }
# In their namespaces, as scripts/sweep-all.sh has them: a registry on 127.0.0.1:5000 for each, and for docker-28.5
# a second dockerd, the swarm peer, and the command that restarts it (to lock its swarm).
peer_of() { [ "$1" = docker-28.5 ]; }

stop() {
  local n
  for n in "${DAEMONS[@]}"; do
    bash scripts/daemons.sh stop "$n" "$(dir_of "$n")" >/dev/null 2>&1 || true
    if peer_of "$n"; then bash scripts/daemons.sh stop "$n" "$(dir_of "$n")-peer" >/dev/null 2>&1 || true; fi
    if netns_of "$n"; then
      bash scripts/registry.sh stop "$(dir_of "$n")-registry" >/dev/null 2>&1 || true
      bash scripts/netns.sh del "test-$n" --kill >/dev/null 2>&1 || true
    fi
  done
}
trap stop EXIT

t0=$(date +%s)
# chromium: the HTML report test; libxml2-utils: xmllint for the JUnit schema test; bsdutils: `script` for the
# progress-bar test; curl: the daemon scripts; openssh-server and openssh-client: the ssh:// test's private sshd on
# 127.0.0.1 (scripts/sshd.sh; the package's own sshd is never started).
unset DOCKMATRIX_NO_INSTALL
# iproute2: the network namespaces of the dockerds in swarm mode (scripts/netns.sh).
# docker-registry: the registries in the dockerds' namespaces (scripts/registry.sh).
bash scripts/daemons.sh packages chromium libxml2-utils bsdutils curl openssh-server openssh-client iproute2 docker-registry
for n in "${DAEMONS[@]}"; do bash scripts/daemons.sh fetch "$n"; done
links_before=$(bash scripts/netns.sh check)
hosts=() registries=() peers=() restarts=()
for n in "${DAEMONS[@]}"; do
  if netns_of "$n"; then
    bash scripts/netns.sh add "test-$n"
    line=$(DOCKMATRIX_NETNS=test-$n bash scripts/daemons.sh start "$n" "$(dir_of "$n")")
    reg=$(bash scripts/registry.sh start "$(dir_of "$n")-registry" "test-$n")
    registries+=("$n=${reg#export DOCKMATRIX_REGISTRY=}")
    if peer_of "$n"; then
      rm -rf "$(dir_of "$n")-peer"   # a fresh peer: in no swarm
      peer=$(DOCKMATRIX_NETNS=test-$n bash scripts/daemons.sh start "$n" "$(dir_of "$n")-peer")
      peers+=("$n=${peer#export DOCKER_HOST=}")
      restarts+=("$n=bash $PWD/scripts/daemons.sh stop $n $(dir_of "$n") >/dev/null && DOCKMATRIX_NETNS=test-$n bash $PWD/scripts/daemons.sh start $n $(dir_of "$n") >/dev/null")
    fi
  else
    line=$(bash scripts/daemons.sh start "$n" "$(dir_of "$n")")
  fi
  host=${line#export DOCKER_HOST=}
  hosts+=("$n=$host")
  [ "$n" = docker-20.10 ] && export DOCKER_HOST=$host
done
DOCKMATRIX_TEST_DAEMONS=$(IFS=,; echo "${hosts[*]}")
DOCKMATRIX_TEST_REGISTRIES=$(IFS=,; echo "${registries[*]}")
DOCKMATRIX_TEST_PEERS=$(IFS=,; echo "${peers[*]}")
# NAME=COMMAND;...: a command has spaces and `&&`, never a `;`.
DOCKMATRIX_TEST_RESTARTS=$(IFS=';'; echo "${restarts[*]}")
export DOCKMATRIX_TEST_DAEMONS DOCKMATRIX_TEST_REGISTRIES DOCKMATRIX_TEST_PEERS DOCKMATRIX_TEST_RESTARTS
echo "test.sh: daemons ready in $(($(date +%s) - t0)) s: $DOCKMATRIX_TEST_DAEMONS (DOCKER_HOST=$DOCKER_HOST)" >&2

# Everything is installed now: a script a test runs (scripts/dockerd.sh) exits 127 naming a missing package
# rather than install it.
export DOCKMATRIX_NO_INSTALL=1
# What the live tests have to say even when they pass (a moving suite's new daemon version) comes after the results.
DOCKMATRIX_TEST_NOTICES=$(mktemp /tmp/dockmatrix-notices.XXXXXX)
export DOCKMATRIX_TEST_NOTICES
rc=0
cargo test --locked --all-features "$@" || rc=$?
if [ -s "$DOCKMATRIX_TEST_NOTICES" ]; then
  echo
  echo "test.sh: notices from the live tests:"
  sed 's/^/  /' "$DOCKMATRIX_TEST_NOTICES"
fi
rm -f "$DOCKMATRIX_TEST_NOTICES"
stop
if [ "$(bash scripts/netns.sh check)" != "$links_before" ]; then
  echo "test.sh: the host's network links changed: before: $(tr '\n' ' ' <<<"$links_before"); after: $(bash scripts/netns.sh check | tr '\n' ' ')" >&2
  rc=1
fi
echo "test.sh: done in $(($(date +%s) - t0)) s (exit $rc)" >&2
exit "$rc"
