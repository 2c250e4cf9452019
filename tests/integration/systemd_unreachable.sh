#!/bin/bash
# No systemd to talk to: kc says so clearly and quickly, and writes nothing. Three ways: no bus
# socket at all; a socket whose peer accepts and never answers; a real dbus-daemon on which no
# systemd runs. The 10 s `timeout` guards against a hang; it is no performance measurement.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
PROBE=$KC_SYSTEMD_PROBE

# run_probe ADDRESS ARGS...: runs the probe against ADDRESS; sets rc, out and err.
run_probe() {
  local address=$1
  shift
  rc=0
  DBUS_SYSTEM_BUS_ADDRESS=$address timeout 10 "$PROBE" --root "$SCRATCH/root" "$@" kubelet.service \
    >"$SCRATCH/out" 2>"$SCRATCH/err" || rc=$?
  out=$(cat "$SCRATCH/out")
  err=$(cat "$SCRATCH/err")
  [ "$rc" != 124 ] || fail "the probe hung on $address"
}
nothing_written() {
  [ ! -e "$SCRATCH/root/etc/systemd/system/kubelet.service" ] || fail "$1: a unit file was written"
}

echo "--- no socket"
run_probe "unix:path=$SCRATCH/no-such-socket"
[ "$rc" = 1 ] || fail "no socket: exit $rc, expected 1"
expect_match "$err" "^kc-systemd-probe: connect to the system bus: unix:path=$SCRATCH/no-such-socket: .*No such file or directory \(is dbus running\? DBUS_SYSTEM_BUS_ADDRESS names another bus\)$" "no socket"
nothing_written "no socket"

echo "--- no socket, dry run: reports from the files alone"
run_probe "unix:path=$SCRATCH/no-such-socket" --dry-run
[ "$rc" = 0 ] || fail "dry run without a bus: exit $rc: $err"
expect_match "$out" "^would write /etc/systemd/system/kubelet.service \(new\)
would write /etc/systemd/system/kubelet.service.d/10-kubeadm.conf \(new\)
would reload systemd
would enable kubelet.service and start kubelet.service unless running \(systemd not asked: .*No such file or directory\)
changed$" "dry run without a bus"
nothing_written "dry run"

echo "--- a scratch root and no bus given: a real run refuses before writing; this machine's systemd is never asked"
rc=0
env -u DBUS_SYSTEM_BUS_ADDRESS timeout 10 "$PROBE" --root "$SCRATCH/root" kubelet.service \
  >"$SCRATCH/out" 2>"$SCRATCH/err" || rc=$?
[ "$rc" = 1 ] || fail "no bus given: exit $rc, expected 1"
expect_match "$(cat "$SCRATCH/err")" "^kc-systemd-probe: talk to systemd: --root $SCRATCH/root is not / and no --system-bus was given \(.*--system-bus ADDRESS .*\)$" "no bus given"
nothing_written "no bus given"
rc=0
env -u DBUS_SYSTEM_BUS_ADDRESS timeout 10 "$PROBE" --root "$SCRATCH/root" --dry-run kubelet.service \
  >"$SCRATCH/out" 2>"$SCRATCH/err" || rc=$?
[ "$rc" = 0 ] || fail "no bus given, dry run: exit $rc: $(cat "$SCRATCH/err")"
grep -qx "would enable kubelet.service and start kubelet.service unless running (systemd not asked: --root $SCRATCH/root is not / and no --system-bus was given)" "$SCRATCH/out" ||
  fail "no bus given, dry run: $(cat "$SCRATCH/out")"
nothing_written "no bus given, dry run"

echo "--- a peer that never answers"
python3 - "$SCRATCH/silent" <<'PY' &
import socket, sys, time
s = socket.socket(socket.AF_UNIX)
s.bind(sys.argv[1])
s.listen(4)
time.sleep(60)
PY
silent=$!
on_exit "kill $silent 2>/dev/null"
for _ in $(seq 1 100); do [ -S "$SCRATCH/silent" ] && break; sleep 0.05; done
run_probe "unix:path=$SCRATCH/silent" --timeout 500
[ "$rc" = 1 ] || fail "silent peer: exit $rc, expected 1"
expect_match "$err" "connect to the system bus: unix:path=$SCRATCH/silent: no answer to authentication within 500 ms" "silent peer"
nothing_written "silent peer"

echo "--- a real dbus-daemon without systemd"
command -v dbus-daemon >/dev/null || fail "dbus-daemon is not installed (packaging/install-deps.sh installs dbus)"
cat >"$SCRATCH/bus.conf" <<CONF
<busconfig>
  <type>system</type>
  <listen>unix:path=$SCRATCH/bus</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
CONF
dbus-daemon --config-file="$SCRATCH/bus.conf" --nofork --nopidfile 2>"$SCRATCH/dbus-daemon.log" &
bus=$!
on_exit "kill $bus 2>/dev/null"
for _ in $(seq 1 100); do [ -S "$SCRATCH/bus" ] && break; sleep 0.05; done
[ -S "$SCRATCH/bus" ] || fail "dbus-daemon did not start"
run_probe "unix:path=$SCRATCH/bus"
[ "$rc" = 1 ] || fail "bus without systemd: exit $rc, expected 1"
expect_match "$err" "^kc-systemd-probe: reach systemd on the system bus: unix:path=$SCRATCH/bus: org.freedesktop.DBus.Error.ServiceUnknown: .* \(is systemd running as PID 1 there\?\)$" "bus without systemd"
nothing_written "bus without systemd"
echo "PASS"
