#!/bin/bash
# kc's sd_notify (common/systemd/sd_notify.h) under a real systemd: the embedded kc-cleanup.service
# (Type=notify) runs kc-notify-probe, a program linked against kc's common library, in place of
# `kc-leader cleanup`. Its STATUS= shows in systemctl status; when it stops sending WATCHDOG=1,
# systemd kills it for the watchdog and restarts it.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/testbed_lib.sh"
require_testbed
[ "$KC_STATIC" = 1 ] || skip "the program run inside the container must be statically linked (-Dstatic=true)"

C=kc-notify-$$
testbed_start "$C"
mkdir -p "$ROOT/opt/bin"
cp "$KC_NOTIFY_PROBE" "$ROOT/opt/bin/kc-notify-probe"
# The test drop-in keeps the unit's Type=notify, NotifyAccess=main and Restart=always; it
# shortens the watchdog (60 s in the unit) and runs the probe in place of kc-leader.
dropin() {  # PINGS: how many WATCHDOG=1 to send (-1: forever)
  printf '[Service]\nWatchdogSec=1\nRestartSec=1\nExecStart=\nExecStart=/opt/bin/kc-notify-probe "kc test: watching 0 nodes" %s\n' "$1" \
    >"$SCRATCH/50-test.conf"
}
install() { "$PROBE" --root "$ROOT" --file "kc-cleanup.service.d/50-test.conf=$SCRATCH/50-test.conf" kc-cleanup.service; }

echo "--- start kc-cleanup.service: the start job ends when the service sends READY=1"
dropin -1
out=$(install)
expect_lines "install" "$out" "wrote /etc/systemd/system/kc-cleanup.service (new)
wrote /etc/systemd/system/kc-cleanup.service.d/50-test.conf (new)
enabled kc-cleanup.service
reloaded systemd
started kc-cleanup.service
changed"
[ "$(prop "$C" kc-cleanup.service Type)" = notify ] || fail "kc-cleanup.service is not Type=notify"
[ "$(prop "$C" kc-cleanup.service SubState)" = running ] || fail "kc-cleanup.service is not running"

echo "--- STATUS= shows in systemctl status"
status=$(inside "$C" systemctl status kc-cleanup.service --no-pager) || true
grep -q 'Status: "kc test: watching 0 nodes"' <<<"$status" || fail "STATUS not in systemctl status:
$status"

echo "--- WATCHDOG=1 every half interval keeps it alive for three intervals"
id=$(prop "$C" kc-cleanup.service InvocationID)
sleep 3
[ "$(prop "$C" kc-cleanup.service NRestarts)" = 0 ] || fail "systemd restarted a service that pinged its watchdog"
[ "$(prop "$C" kc-cleanup.service InvocationID)" = "$id" ] || fail "the pinging service was replaced"

echo "--- no more WATCHDOG=1: systemd kills it for the watchdog and restarts it"
dropin 2
out=$(install)
expect_lines "drop-in changed" "$out" "wrote /etc/systemd/system/kc-cleanup.service.d/50-test.conf (content differs)
reloaded systemd
restarted kc-cleanup.service (/etc/systemd/system/kc-cleanup.service.d/50-test.conf changed)
changed"
restarts=0
for _ in $(seq 1 150); do
  restarts=$(prop "$C" kc-cleanup.service NRestarts)
  [ "$restarts" -ge 1 ] && break
  sleep 0.1
done
[ "$restarts" -ge 1 ] || fail "kc-cleanup.service was not restarted after its watchdog expired"
journal=$(inside "$C" journalctl -b -u kc-cleanup.service -o cat --no-pager)
grep -q 'Watchdog timeout' <<<"$journal" || fail "no watchdog timeout in the journal:
$journal"
grep -q "Failed with result 'watchdog'" <<<"$journal" || fail "the unit did not fail with result 'watchdog':
$journal"

echo "PASS"
