#!/usr/bin/env bash
# A private sshd on 127.0.0.1 for the ssh:// tests (Debian 12, root): its own host key, a client key made for the
# test, and an ssh_config that pins both, so no file under ~/.ssh is read or written.
#   bash scripts/sshd.sh start|stop DIR [PORT]     (PORT defaults to 2222)
# `start` prints one line on stdout, `export DOCKMATRIX_SSH="ssh -F DIR/ssh_config"`: dockmatrix then reaches
# ssh://root@dockmatrix-test/SOCKET through that sshd (the daemon's socket on this machine). Everything else goes to
# stderr. sshd listens on 127.0.0.1 only, takes the test key only, and runs no shell but the command asked.
# `stop` ends only the sshd this script started (by its pid file, checked against its command line).
# Needs openssh-server and openssh-client (bash scripts/test.sh installs them); a missing one exits 127, naming it.
set -euo pipefail

usage() { echo "usage: bash scripts/sshd.sh start|stop DIR [PORT]" >&2; exit 2; }
log() { echo "sshd.sh: $*" >&2; }
die() { log "$*"; exit 1; }

[ $# -ge 2 ] && [ $# -le 3 ] || usage
VERB=$1 DIR=$2 PORT=${3:-2222}
case $DIR in /*) ;; *) DIR=$PWD/$DIR ;; esac
[[ $DIR =~ ^/[A-Za-z0-9._/+-]+$ ]] || die "DIR must be an absolute path of [A-Za-z0-9._/+-]: '$DIR'"
[[ $PORT =~ ^[0-9]+$ ]] && [ "$PORT" -ge 1024 ] && [ "$PORT" -le 65535 ] || die "PORT must be 1024-65535: '$PORT'"
PIDFILE=$DIR/sshd.pid

owned_pid() {
  local pid cmd
  pid=$(cat "$PIDFILE" 2>/dev/null || true)
  [[ $pid =~ ^[0-9]+$ ]] && [ -r "/proc/$pid/cmdline" ] || return 1
  cmd=$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null || true)
  [[ $cmd == *"$DIR/sshd_config"* ]] || return 1
  echo "$pid"
}

stop() {
  local pid i
  pid=$(owned_pid) || { log "no sshd of $DIR running"; return 0; }
  kill -TERM "$pid" 2>/dev/null || true
  for ((i = 0; i < 50; i++)); do [ -d "/proc/$pid" ] || break; sleep 0.1; done
  [ -d "/proc/$pid" ] && kill -KILL "$pid" 2>/dev/null || true
  rm -f "$PIDFILE"
  log "stopped sshd $pid"
}

case $VERB in
  stop) stop; exit 0 ;;
  start) ;;
  *) usage ;;
esac

missing=()
[ -x /usr/sbin/sshd ] || missing+=(openssh-server)
command -v ssh >/dev/null && command -v ssh-keygen >/dev/null || missing+=(openssh-client)
[ ${#missing[@]} -eq 0 ] || { log "missing Debian packages: ${missing[*]} (bash scripts/test.sh installs them)"; exit 127; }

owned_pid >/dev/null && stop
mkdir -p "$DIR" /run/sshd
chmod 700 "$DIR"
rm -f "$DIR/host_key" "$DIR/host_key.pub" "$DIR/id" "$DIR/id.pub"
ssh-keygen -q -t ed25519 -N '' -C dockmatrix-test-host -f "$DIR/host_key"
ssh-keygen -q -t ed25519 -N '' -C dockmatrix-test-client -f "$DIR/id"
cp "$DIR/id.pub" "$DIR/authorized_keys"
echo "[127.0.0.1]:$PORT $(cut -d' ' -f1,2 "$DIR/host_key.pub")" >"$DIR/known_hosts"

cat >"$DIR/sshd_config" <<EOF
ListenAddress 127.0.0.1
Port $PORT
HostKey $DIR/host_key
PidFile $PIDFILE
AuthorizedKeysFile $DIR/authorized_keys
PermitRootLogin prohibit-password
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
StrictModes no
AllowTcpForwarding no
X11Forwarding no
PermitTTY no
MaxStartups 100
MaxSessions 100
EOF
cat >"$DIR/ssh_config" <<EOF
Host dockmatrix-test
  HostName 127.0.0.1
  Port $PORT
  User root
  IdentityFile $DIR/id
  IdentitiesOnly yes
  UserKnownHostsFile $DIR/known_hosts
  StrictHostKeyChecking yes
  GlobalKnownHostsFile /dev/null
EOF

/usr/sbin/sshd -f "$DIR/sshd_config" -E "$DIR/sshd.log"
for ((i = 0; i < 50; i++)); do
  if owned_pid >/dev/null && ssh -F "$DIR/ssh_config" -o BatchMode=yes dockmatrix-test true 2>/dev/null; then
    log "sshd $(owned_pid) listens on 127.0.0.1:$PORT (log: $DIR/sshd.log)"
    echo "export DOCKMATRIX_SSH=\"ssh -F $DIR/ssh_config\""
    exit 0
  fi
  sleep 0.1
done
log "sshd did not accept the test key within 5 s; its log:"
tail -n 20 "$DIR/sshd.log" >&2 || true
stop
exit 1
