# A real etcd on loopback for the CLI tests of the etcd store (source after
# lib.sh). Without `etcd` the test skips, except under CI=true (it fails).
#   etcd_start      start it (free ports, data in $T/etcd); sets ETCD_EP, ETCD_URL
#   etcd_stop       stop it (SIGTERM); its data stays for etcd_start again
#   etcdctl_ ARGS   etcdctl against it
require_etcd() {
  if ! command -v etcd >/dev/null || ! command -v etcdctl >/dev/null; then
    [ "${CI:-}" = true ] && { echo "FAIL: CI needs etcd (apt-get install etcd-server etcd-client)" >&2; exit 1; }
    echo "SKIPPED: needs etcd and etcdctl (etcd-server, etcd-client)"
    exit 0
  fi
}
ETCD_PID=
etcd_free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}
etcd_start() {
  : "${ETCD_CLIENT_PORT:=$(etcd_free_port)}" "${ETCD_PEER_PORT:=$(etcd_free_port)}"
  ETCD_EP=127.0.0.1:$ETCD_CLIENT_PORT
  mkdir -p "$T/etcd"
  etcd --name t --data-dir "$T/etcd/data" --logger zap --log-level error \
    --listen-client-urls "http://$ETCD_EP" --advertise-client-urls "http://$ETCD_EP" \
    --listen-peer-urls "http://127.0.0.1:$ETCD_PEER_PORT" \
    --initial-advertise-peer-urls "http://127.0.0.1:$ETCD_PEER_PORT" \
    --initial-cluster "t=http://127.0.0.1:$ETCD_PEER_PORT" --max-txn-ops 1024 \
    >>"$T/etcd/log" 2>&1 &
  ETCD_PID=$!
  local k
  for ((k = 0; k < 200; k++)); do
    etcdctl_ endpoint health >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  fail "etcd did not start: $(tail -5 "$T/etcd/log")"
  finish
}
etcd_stop() {
  [ -n "$ETCD_PID" ] || return 0
  kill "$ETCD_PID" 2>/dev/null
  wait "$ETCD_PID" 2>/dev/null
  ETCD_PID=
}
etcdctl_() { ETCDCTL_API=3 etcdctl --endpoints "http://$ETCD_EP" "$@"; }
# wait_until SECONDS CMD...: polls CMD every 0.1 s; false when it never held.
wait_until() {
  local limit=$1 k
  shift
  for ((k = 0; k < limit * 10; k++)); do
    "$@" && return 0
    sleep 0.1
  done
  return 1
}
# keeper_pids HOME: the `aio keepalive` processes started for $AIO_HOME=HOME.
keeper_pids() {
  local p
  for p in $(pgrep -f -- ' keepalive$'); do
    tr '\0' '\n' <"/proc/$p/environ" 2>/dev/null | grep -qx "AIO_HOME=$1" && echo "$p"
  done
}
