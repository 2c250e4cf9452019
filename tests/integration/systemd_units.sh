#!/bin/bash
# kc::UnitsStep against a real systemd (PID 1 of an nspawn container, driven over its system
# D-Bus from the host): install, converge, restart exactly what changed, report a failing unit.
# kubelet is a stand-in shell script: a real kubelet cannot run in the container.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/testbed_lib.sh"
require_testbed

C=kc-units-$$
testbed_start "$C"
install_standin_kubelet v1
UNITS=$KC_SOURCE_ROOT/units
reloads() { inside "$C" journalctl -b _PID=1 -o cat --no-pager | grep -c '^Reloading\.$' || true; }
mtimes() { stat -c '%n %Y.%y' "$ROOT"/etc/systemd/system/{kubelet.service,kubelet.service.d/10-kubeadm.conf,kc-worker.service}; }

# A second, unrelated service installed the same way, to see that only what changed restarts.
cat >"$SCRATCH/kc-other.service" <<'UNIT'
[Unit]
Description=kc test: a service whose files never change
[Service]
ExecStart=/bin/sleep infinity
[Install]
WantedBy=multi-user.target
UNIT
probe() { "$PROBE" --root "$ROOT" --file "kc-other.service=$SCRATCH/kc-other.service" "$@" \
            kubelet.service kc-worker.service:enable kc-other.service; }

echo "--- fresh install"
out=$(probe)
expect_lines "first run" "$out" "wrote /etc/systemd/system/kubelet.service (new)
wrote /etc/systemd/system/kubelet.service.d/10-kubeadm.conf (new)
wrote /etc/systemd/system/kc-worker.service (new)
wrote /etc/systemd/system/kc-other.service (new)
enabled kubelet.service, kc-worker.service, kc-other.service
reloaded systemd
started kubelet.service
started kc-other.service
changed"
for f in kubelet.service kubelet.service.d/10-kubeadm.conf kc-worker.service; do
  cmp "$UNITS/$f" "$ROOT/etc/systemd/system/$f" || fail "$f differs from units/$f"
  [ "$(stat -c %a "$ROOT/etc/systemd/system/$f")" = 644 ] || fail "$f is not 0644"
done
for u in kubelet.service kc-worker.service kc-other.service; do
  [ "$(inside "$C" systemctl is-enabled "$u")" = enabled ] || fail "$u is not enabled"
done
[ "$(prop "$C" kubelet.service ActiveState)" = active ] || fail "kubelet.service is not active"
[ "$(prop "$C" kubelet.service DropInPaths)" = /etc/systemd/system/kubelet.service.d/10-kubeadm.conf ] ||
  fail "kubelet.service does not use the 10-kubeadm.conf drop-in"
# kc-worker.service runs kc-worker at boot; installing it must not start it.
[ "$(prop "$C" kc-worker.service ActiveState)" = inactive ] || fail "kc-worker.service was started"
kubelet_id=$(prop "$C" kubelet.service InvocationID)
other_id=$(prop "$C" kc-other.service InvocationID)
reloads_before=$(reloads)
mtimes_before=$(mtimes)

echo "--- second run: nothing to do"
out=$(probe)
expect_lines "second run" "$out" "unchanged"
[ "$(reloads)" = "$reloads_before" ] || fail "the second run reloaded systemd"
[ "$(mtimes)" = "$mtimes_before" ] || fail "the second run rewrote unit files"
[ "$(prop "$C" kubelet.service InvocationID)" = "$kubelet_id" ] || fail "the second run restarted kubelet"
[ "$(prop "$C" kc-other.service InvocationID)" = "$other_id" ] || fail "the second run restarted kc-other"

echo "--- the plans' dry runs ask the same systemd (the plans cannot run for real yet)"
out=$("$KC_WORKER" join --dry-run --root "$ROOT" --api-server 127.0.0.1:6443 --token abcdef.0123456789abcdef \
        --discovery-token-ca-cert-hash "sha256:$(printf '0%.0s' {1..64})")
grep -qx '\[units\] kubelet.service, kc-worker.service up to date' <<<"$out" ||
  fail "kc-worker join --dry-run does not see the installed units:
$out"
out=$("$KC_LEADER" init --dry-run --root "$ROOT")
grep -qx '\[units\] kubelet.service up to date' <<<"$out" ||
  fail "kc-leader init --dry-run does not see the installed kubelet units:
$out"
grep -qx '\[cleanup\] would write /etc/systemd/system/kc-cleanup.service (new); would enable kc-cleanup.service; would reload systemd; would start kc-cleanup.service' <<<"$out" ||
  fail "kc-leader init --dry-run: unexpected plan for kc-cleanup.service:
$out"
[ "$(reloads)" = "$reloads_before" ] || fail "a dry run reloaded systemd"
[ ! -e "$ROOT/etc/systemd/system/kc-cleanup.service" ] || fail "a dry run wrote kc-cleanup.service"

echo "--- dry run of a changed drop-in: reports, changes nothing"
sed 's/^Environment="KUBELET_CONFIG_ARGS=.*/Environment="KUBELET_CONFIG_ARGS=--config=\/var\/lib\/kubelet\/config-v2.yaml"/' \
  "$UNITS/kubelet.service.d/10-kubeadm.conf" >"$SCRATCH/10-kubeadm.conf"
cmp -s "$SCRATCH/10-kubeadm.conf" "$UNITS/kubelet.service.d/10-kubeadm.conf" && fail "test setup: the drop-in did not change"
dropin=(--file "kubelet.service.d/10-kubeadm.conf=$SCRATCH/10-kubeadm.conf")
out=$(probe --dry-run "${dropin[@]}")
expect_lines "dry run" "$out" "would write /etc/systemd/system/kubelet.service.d/10-kubeadm.conf (content differs)
would reload systemd
would restart kubelet.service (/etc/systemd/system/kubelet.service.d/10-kubeadm.conf changed)
changed"
[ "$(mtimes)" = "$mtimes_before" ] || fail "the dry run wrote a unit file"
[ "$(reloads)" = "$reloads_before" ] || fail "the dry run reloaded systemd"
[ "$(prop "$C" kubelet.service InvocationID)" = "$kubelet_id" ] || fail "the dry run restarted kubelet"

echo "--- changed drop-in: exactly kubelet restarts"
out=$(probe "${dropin[@]}")
expect_lines "drop-in changed" "$out" "wrote /etc/systemd/system/kubelet.service.d/10-kubeadm.conf (content differs)
reloaded systemd
restarted kubelet.service (/etc/systemd/system/kubelet.service.d/10-kubeadm.conf changed)
changed"
[ "$(prop "$C" kubelet.service InvocationID)" != "$kubelet_id" ] || fail "kubelet was not restarted"
[ "$(prop "$C" kc-other.service InvocationID)" = "$other_id" ] || fail "kc-other was restarted too"
inside "$C" systemctl show -P Environment kubelet.service | grep -q 'config-v2.yaml' ||
  fail "the running kubelet.service does not have the new drop-in's environment"
[ "$(probe "${dropin[@]}")" = unchanged ] || fail "the run after the drop-in change was not a no-op"

echo "--- changed binary: exactly kubelet restarts"
kubelet_id=$(prop "$C" kubelet.service InvocationID)
reloads_before=$(reloads)
install_standin_kubelet v2
out=$(probe "${dropin[@]}")
expect_lines "binary changed" "$out" "restarted kubelet.service (/opt/bin/kubelet changed)
changed"
[ "$(prop "$C" kubelet.service InvocationID)" != "$kubelet_id" ] || fail "kubelet was not restarted"
[ "$(prop "$C" kc-other.service InvocationID)" = "$other_id" ] || fail "kc-other was restarted too"
[ "$(reloads)" = "$reloads_before" ] || fail "a changed binary reloaded systemd"
[ "$(probe "${dropin[@]}")" = unchanged ] || fail "the run after the binary change was not a no-op"

echo "--- 20 restarts in a row: each waits for its own job's JobRemoved (which may come before the reply)"
for i in $(seq 1 20); do
  touch "$ROOT/opt/bin/kubelet"
  out=$(probe --job-timeout 10000 "${dropin[@]}") || fail "restart $i failed"
  expect_lines "restart $i" "$out" "restarted kubelet.service (/opt/bin/kubelet changed)
changed"
done
[ "$(prop "$C" kubelet.service ActiveState)" = active ] || fail "kubelet.service is not active after 20 restarts"

echo "--- a stopped service is started again"
inside "$C" systemctl stop kubelet.service
out=$(probe "${dropin[@]}")
expect_lines "stopped kubelet" "$out" "started kubelet.service
changed"

echo "--- only the mode of a unit file differs: chmod, no reload, no restart"
kubelet_id=$(prop "$C" kubelet.service InvocationID)
reloads_before=$(reloads)
chmod 0600 "$ROOT/etc/systemd/system/kubelet.service"
out=$(probe "${dropin[@]}")
expect_lines "mode changed" "$out" "set the mode of /etc/systemd/system/kubelet.service to 0644 (mode 0600 differs)
changed"
[ "$(stat -c %a "$ROOT/etc/systemd/system/kubelet.service")" = 644 ] || fail "the mode was not restored"
[ "$(reloads)" = "$reloads_before" ] || fail "a mode change reloaded systemd"
[ "$(prop "$C" kubelet.service InvocationID)" = "$kubelet_id" ] || fail "a mode change restarted kubelet"

echo "--- a unit whose process exits non-zero: the error names it, its state and where to look"
cat >"$SCRATCH/kc-fail.service" <<'UNIT'
[Unit]
Description=kc test: a service that fails
[Service]
Type=oneshot
ExecStart=/bin/sh -c 'echo "kc-fail: the reason it failed" >&2; exit 3'
[Install]
WantedBy=multi-user.target
UNIT
rc=0
"$PROBE" --root "$ROOT" --file "kc-fail.service=$SCRATCH/kc-fail.service" kc-fail.service \
  >"$SCRATCH/fail.out" 2>"$SCRATCH/fail.err" || rc=$?
[ "$rc" = 1 ] || fail "a failing unit: exit $rc, expected 1"
expect_lines "failing unit" "$(cat "$SCRATCH/fail.err")" \
  "kc-systemd-probe: start: kc-fail.service: job failed, ActiveState=failed SubState=failed Result=exit-code (see why: journalctl -b -u kc-fail.service)"
inside "$C" journalctl -b -u kc-fail.service --no-pager | grep -q 'kc-fail: the reason it failed' ||
  fail "the journalctl command of the error does not show why"

echo "--- systemd that stops answering: the call times out"
leader=$("$TB" leader "$C")
kill -STOP "$leader"
on_exit "kill -CONT $leader 2>/dev/null"
rc=0
timeout 20 "$PROBE" --root "$ROOT" --timeout 500 kubelet.service 2>"$SCRATCH/hang.err" >/dev/null || rc=$?
kill -CONT "$leader"
[ "$rc" = 1 ] || fail "a frozen systemd: exit $rc, expected 1 ($(cat "$SCRATCH/hang.err"))"
grep -q 'no reply within 500 ms' "$SCRATCH/hang.err" || fail "a frozen systemd: $(cat "$SCRATCH/hang.err")"
[ "$(probe "${dropin[@]}")" = unchanged ] || fail "systemd did not recover after SIGCONT"

echo "PASS"
