#!/usr/bin/env bash
# kc-cleanup.service (the embedded unit, Type=notify, WatchdogSec=) under a real systemd in the
# nspawn test bed, against the Kubernetes API server STAND-IN (tests/servers/
# kube_apiserver_standin.py). The container has a private network and no python3, so the
# stand-in runs on the host inside the container's network namespace (nsenter -n): kc-leader,
# inside the container, reaches it on the container's own 127.0.0.1. Checks: systemctl start
# returns once READY=1 was sent, `systemctl status` shows the STATUS= line, a node is removed,
# systemctl stop ends it cleanly and fast.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/kube_lib.sh"

[ "${KC_STATIC:-0}" = 1 ] || skip "needs the static kc-leader (it runs inside the container)"
[ "$(id -u)" = 0 ] || skip "needs root"
for tool in systemd-nspawn nsenter; do command -v "$tool" >/dev/null || skip "$tool not installed"; done
TB="$KC_SOURCE_ROOT/tests/testbed/systemd-testbed.sh"
NAME=kc-cleanup-$$
on_exit "'$TB' stop '$NAME' >/dev/null 2>&1"
"$TB" start "$NAME" >/dev/null || fail "the test bed did not start"
LEADER_PID=$("$TB" leader "$NAME")
CROOT=$("$TB" root "$NAME")
in_ct() { "$TB" sh "$NAME" -- "$@"; }

PKI="$SCRATCH/pki"
make_kube_pki "$PKI"
STANDIN_PREFIX="nsenter -t $LEADER_PID -n"
start_standin "$PKI"
TAINTS='["ToBeDeletedByClusterAutoscaler","node.kubernetes.io/unreachable"]'
ctl '{"op":"put","nodes":[{"name":"w-1"},{"name":"w-2"},{"name":"cp","control_plane":true,"ready":"Unknown","ready_for":3000,"taints":'"$TAINTS"'},
  {"name":"gone-1","ready":"Unknown","ready_for":3000,"taints":'"$TAINTS"'}]}'

install -D -m 0755 "$KC_LEADER" "$CROOT/opt/bin/kc-leader"
mkdir -p "$CROOT/etc/kc"
write_kubeconfig "$CROOT/etc/kc/kc-cleanup.kubeconfig" "$API_URL" "$PKI/ca.pem" "$PKI/client.pem" "$PKI/client.key"
chmod 0600 "$CROOT/etc/kc/kc-cleanup.kubeconfig"
echo 'KC_CLEANUP_ARGS=--grace 2s --interval 1s' >"$CROOT/etc/kc/kc-cleanup.env"
install -m 0644 "$KC_SOURCE_ROOT/units/kc-cleanup.service" "$CROOT/etc/systemd/system/kc-cleanup.service"
in_ct systemctl daemon-reload
# Type=notify: systemctl start returns once READY=1 arrived (after the first list).
timeout 30 "$TB" sh "$NAME" -- systemctl start kc-cleanup.service || fail "start failed: $(in_ct journalctl -b -u kc-cleanup.service --no-pager | tail -20)"
[ "$(in_ct systemctl show -P ActiveState kc-cleanup.service)" = active ] || fail "not active"

# The unit's hardening holds: no capabilities, no new privileges.
main_pid=$(in_ct systemctl show -P MainPID kc-cleanup.service)
proc_status=$(in_ct cat "/proc/$main_pid/status")
expect_match "$proc_status" $'CapEff:[[:space:]]+0000000000000000' "effective capabilities"
expect_match "$proc_status" $'NoNewPrivs:[[:space:]]+1' "NoNewPrivs"

status_text() { in_ct systemctl show -P StatusText kc-cleanup.service; }
has_status() { [[ "$(status_text)" =~ $1 ]]; }
wait_for "STATUS after the first sweep" 10 has_status '^watching 3 nodes, 0 candidates, 1 removed since start, last sweep [0-9T:-]+Z$'
[ "$(state '[d["name"] for d in s["deleted"]]')" = "['gone-1']" ] || fail "deleted: $(state 's["deleted"]')"

# A node scaled away while it runs; then the API server failing.
ctl '{"op":"put","nodes":[{"name":"gone-2","ready":"Unknown","ready_for":0,"taints":'"$TAINTS"'}]}'
wait_for "STATUS after the second removal" 15 has_status '^watching 3 nodes, 0 candidates, 2 removed since start'
ctl '[{"op":"fault","target":"list","kind":"500","count":3},{"op":"drop-watches"}]'
wait_for "STATUS with the last error" 15 has_status 'last error at [0-9T:-]+Z: list nodes: .*HTTP 500'
status=$(in_ct systemctl status --no-pager kc-cleanup.service || true)
expect_match "$status" 'Status: "watching 3 nodes, 0 candidates, 2 removed since start' "systemctl status"
[ "$(in_ct systemctl show -P NRestarts kc-cleanup.service)" = 0 ] || fail "the service restarted"
journal=$(in_ct journalctl -b -u kc-cleanup.service --no-pager)
expect_match "$journal" "deleted node gone-2 \(uid [0-9a-f-]+\): tainted" "journal"

start=$(date +%s%N)
timeout 10 "$TB" sh "$NAME" -- systemctl stop kc-cleanup.service
ms=$((($(date +%s%N) - start) / 1000000))
[ "$(in_ct systemctl show -P Result kc-cleanup.service)" = success ] || fail "stop result $(in_ct systemctl show -P Result kc-cleanup.service)"
[ "$ms" -lt 2000 ] || fail "systemctl stop took ${ms} ms"
echo "cleanup under systemd: ok (status: $(echo "$status" | grep Status:); stop took ${ms} ms)"
