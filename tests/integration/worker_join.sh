#!/bin/bash
# kc-worker join on one worker under the real systemd of the test bed: it joins through the
# kubeadm join stand-in (real discovery: the CA pinned by its SPKI hash with openssl, the token's
# JWS from the API server stand-in, the TLS bootstrap with the token), runs again as
# kc-worker.service and reports "already joined" without calling kubeadm, does so again at boot
# after a reboot (persistent clone), waits for an API server that comes up late, and fails fast
# with its documented error on a wrong CA hash and on a revoked token. Stand-ins: see worker_lib.sh.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/testbed_lib.sh"
source "$(dirname "$0")/kube_lib.sh"
source "$(dirname "$0")/worker_lib.sh"
require_testbed
command -v ip >/dev/null || skip "ip (iproute2) is not installed"
[ "${KC_STATIC:-1}" = 1 ] || skip "kc-worker runs inside the container: needs the static build (-Dstatic=true)"

C=kc-wjoin-$$
DISK=$(mktemp -d /var/tmp/kc-wjoin-XXXXXX)
on_exit "rm -rf '$DISK'"
"$TB" clone "$DISK/rootfs" || fail "could not copy the test bed rootfs"
[ -x "$DISK/rootfs/usr/bin/python3" ] && [ -x "$DISK/rootfs/usr/bin/openssl" ] ||
  fail "the test bed rootfs has no python3/openssl (tests/testbed/systemd-testbed.sh installs them)"
make_kube_pki "$SCRATCH/pki"
HASH=$(ca_hash "$SCRATCH/pki/ca.pem")
make_worker_mirror "$SCRATCH/m"

# The worker's network namespace outlives its reboots, and the IMDS stand-in in it.
ip netns add "$C"
on_exit "ip netns del '$C' 2>/dev/null"
ip -n "$C" link set lo up
preset_netns_sysctls "$C"
start_worker_imds ip netns exec "$C"
testbed_start "$C" --persistent "$DISK/rootfs" --netns "/run/netns/$C"
prepare_worker "$C" "$SCRATCH/m"
start_worker_apiserver "$C" "$SCRATCH/pki"
# As the user data would write it, but readable by others: kc warns and sets it to 0600.
write_join_file "$ROOT/etc/kc/join.json" 0644 127.0.0.1:6443 "$HASH"

echo "--- preflight fails while the downloads are in flight: they are cancelled, nothing is left"
# A mirror that accepts and never answers (the downloads start with the run and hang), and port
# 10250 held, so preflight fails: the join must stop at once, not wait for the downloads.
ip netns exec "$C" python3 -c '
import socket, time
socks = []
for port in (8081, 10250):
    s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("127.0.0.1", port)); s.listen(64); socks.append(s)
open("'"$SCRATCH/hang.ready"'", "w").close()
time.sleep(600)' &
HANG_PID=$!
on_exit "kill $HANG_PID 2>/dev/null"
wait_for "the silent mirror" 10 test -e "$SCRATCH/hang.ready"
before=$(ls -A "$ROOT/opt/bin")
start=$SECONDS
rc=0
out=$(wexec "$C" -- /opt/bin/kc-worker join "${WORKER_ARGS[@]/%:8080/:8081}" 2>&1) || rc=$?
kill "$HANG_PID"
[ "$rc" = 1 ] || fail "a failed preflight exited $rc: $out"
grep -q 'Port-10250' <<<"$out" || fail "preflight did not name the held port: $out"
grep -q 'while the phases before the assets phase run' <<<"$out" || fail "the downloads did not start with the run: $out"
((SECONDS - start < 20)) || fail "the join waited for the downloads (stall timeout: 30 s) instead of cancelling them"
[ "$(ls -A "$ROOT/opt/bin")" = "$before" ] || fail "files left in /opt/bin: $(ls -A "$ROOT/opt/bin")"
[ ! -e "$ROOT/opt/cni" ] || fail "/opt/cni left behind: $(find "$ROOT/opt/cni")"
[ ! -e "$ROOT/var/lib/kc/assets.json" ] || fail "assets recorded after a failed preflight"
chmod 0644 "$ROOT/etc/kc/join.json"  # join-data set it to 0600; the first boot sees it as written

echo "--- first boot: join (as the shell user data runs it)"
out=$(wexec "$C" -- /opt/bin/kc-worker join "${WORKER_ARGS[@]}" 2>&1) ||
  fail "kc-worker join failed: $out"
echo "$out" | tail -n 4
grep -q 'join.json is readable by others (mode 0644)' <<<"$out" || fail "no warning about the open join file: $out"
[ "$(stat -c %a "$ROOT/etc/kc/join.json")" = 600 ] || fail "join.json was not set to 0600"
[ "$(stat -c %a "$ROOT/etc/kc/kubeadm-join.yaml")" = 600 ] || fail "kubeadm-join.yaml is not 0600"
grep -q 'apiVersion: kubeadm.k8s.io/v1beta4' "$ROOT/etc/kc/kubeadm-join.yaml" || fail "not a v1beta4 config"
grep -q 'kubeadm: This node has joined the cluster' <<<"$out" || fail "kubeadm's output was not streamed: $out"
grep -qE '^kc-worker join: .* joined, API server 127.0.0.1:6443 \(join-data [0-9.]+ s, identity [0-9.]+ s, storage [0-9.]+ s, preflight [0-9.]+ s, assets [0-9.]+ s, units [0-9.]+ s, kubeadm [0-9.]+ s; total [0-9.]+ s\)$' <<<"$out" ||
  fail "no summary line: $out"
grep -qE '^\[assets\] installed kubeadm .*started with the run; waited [0-9.]+ s\)' <<<"$out" ||
  fail "the assets phase does not say it waited for downloads started with the run: $out"
grep -q "$WORKER_TOKEN" <<<"$out" && fail "the token is in kc-worker's output"
# The identity from the IMDS stand-in reaches the JoinConfiguration and the status line.
grep -q '^kc-worker join: ip-10-0-0-10.ec2.internal joined' <<<"$out" || fail "the node name is not IMDS's: $out"
grep -q 'name: ip-10-0-0-10.ec2.internal' "$ROOT/etc/kc/kubeadm-join.yaml" || fail "no IMDS node name in kubeadm-join.yaml"
grep -q 'aws:///us-east-1a/i-0123456789abcdef0' "$ROOT/etc/kc/kubeadm-join.yaml" || fail "no providerID in kubeadm-join.yaml"
[ "$(imds_tokens)" -ge 1 ] || fail "kc-worker did not ask IMDSv2 for a session token"
# Preflight enabled and started Debian's containerd, which answers CRI.
[ "$(prop "$C" containerd.service ActiveState)" = active ] || fail "containerd is not running"
[ "$(inside "$C" systemctl is-enabled containerd.service)" = enabled ] || fail "containerd is not enabled"
grep -q 'containerd' <<<"$out" || fail "preflight did not report containerd: $out"
[ -e "$ROOT/etc/kubernetes/kubelet.conf" ] || fail "no kubelet.conf after the join"
[ ! -e "$ROOT/opt/bin/kubectl" ] || fail "kubectl was installed on the worker"
[ "$(kubeadm_joins)" = 1 ] || fail "expected one kubeadm join, got $(kubeadm_joins)"
[ "$(state 'len(s["joins"])')" = 1 ] || fail "the API server stand-in saw no TLS bootstrap"
[ "$(state 's["joins"][0]["user"]')" = "system:bootstrap:abcdef" ] || fail "the CSR was not made with the token"
[ "$(prop "$C" kubelet.service ActiveState)" = active ] || fail "kubelet is not running"
[ "$(inside "$C" systemctl is-enabled kc-worker.service)" = enabled ] || fail "kc-worker.service is not enabled"
[ "$(prop "$C" kc-worker.service ActiveState)" = inactive ] || fail "kc-worker.service was started from within join"

echo "--- again, as kc-worker.service: already joined, no kubeadm"
inside "$C" systemctl start kc-worker.service || fail "kc-worker.service failed: $(inside "$C" journalctl -u kc-worker -o cat --no-pager | tail)"
[ "$(kubeadm_joins)" = 1 ] || fail "kubeadm join ran again"
status=$(prop "$C" kc-worker.service StatusText)
expect_match "$status" 'already joined, API server 127.0.0.1:6443 \(join-data' "systemctl status kc-worker"
echo "Status: $status"

echo "--- reboot: kc-worker.service runs at boot and reports already joined"
stop_standin
boot_id=$(inside "$C" cat /proc/sys/kernel/random/boot_id)
"$TB" stop "$C"
testbed_start "$C" --persistent "$DISK/rootfs" --netns "/run/netns/$C"
[ "$(inside "$C" cat /proc/sys/kernel/random/boot_id)" != "$boot_id" ] || fail "the container did not reboot"
wait_for "kc-worker.service at boot" 30 bash -c "[ \"\$('$TB' sh '$C' -- systemctl show -P SubState kc-worker.service)\" = exited ]"
[ "$(prop "$C" kc-worker.service Result)" = success ] || fail "kc-worker.service failed at boot"
inside "$C" journalctl -b -u kc-worker.service -o cat --no-pager | grep -q 'already joined' ||
  fail "the boot's journal does not say already joined"
[ "$(kubeadm_joins)" = 1 ] || fail "kubeadm join ran at boot"
[ "$(prop "$C" kubelet.service ActiveState)" = active ] || fail "kubelet is not running after the reboot"

echo "--- leader unreachable at first, then up: join waits and succeeds"
inside "$C" /opt/bin/kubeadm reset --force >/dev/null
# The API server stand-in comes up 3 s after kc-worker starts (its control port: 6445).
(sleep 3; exec nsenter -t "$("$TB" leader "$C")" -n python3 "$STANDIN" --tls-dir "$SCRATCH/pki" \
  --port 6443 --control-port 6445 --bootstrap-token "$WORKER_TOKEN" 2>>"$SCRATCH/standin.log") &
STANDIN_PID=$!
CTL_PORT=6445
STANDIN_PREFIX="nsenter -t $("$TB" leader "$C") -n"
on_exit "kill $STANDIN_PID 2>/dev/null"
out=$(wexec "$C" -- /opt/bin/kc-worker join --join-timeout 60s "${WORKER_ARGS[@]}" 2>&1) ||
  fail "join with a late API server failed: $out"
grep -qE 'attempt 1: .*(Connection refused|Couldn.t connect).*; trying again in 1s' <<<"$out" || fail "no retry logged: $out"
grep -q ' joined, API server' <<<"$out" || fail "not joined: $out"
[ "$(kubeadm_joins)" = 2 ] || fail "expected a second kubeadm join (after the reset)"

echo "--- a wrong CA hash fails at once, saying so"
inside "$C" /opt/bin/kubeadm reset --force >/dev/null
echo "$WORKER_TOKEN" >"$ROOT/etc/kc/token"
chmod 0600 "$ROOT/etc/kc/token"
start=$SECONDS
rc=0
out=$(wexec "$C" -- /opt/bin/kc-worker join --api-server 127.0.0.1:6443 --token-file /etc/kc/token \
  --discovery-token-ca-cert-hash "sha256:$(printf '1%.0s' {1..64})" "${WORKER_ARGS[@]}" 2>&1) || rc=$?
[ "$rc" = 1 ] || fail "a wrong CA hash exited $rc: $out"
grep -q 'cluster CA does not match the pinned hash' <<<"$out" || fail "the error does not say CA mismatch: $out"
grep -q 'kc-leader user-data' <<<"$out" || fail "the error does not say what to do: $out"
grep -q "$HASH" <<<"$out" || fail "the error does not name the cluster's hash: $out"
((SECONDS - start < 15)) || fail "a CA mismatch was retried"
[ "$(kubeadm_joins)" = 2 ] || fail "kubeadm ran despite the CA mismatch"

echo "--- a revoked token fails at once, saying so"
ctl '{"op": "delete-bootstrap-token", "id": "abcdef"}'
rc=0
out=$(wexec "$C" -- /opt/bin/kc-worker join "${WORKER_ARGS[@]}" 2>&1) || rc=$?
[ "$rc" = 1 ] || fail "a revoked token exited $rc: $out"
grep -q 'bootstrap token rejected' <<<"$out" || fail "the error does not say token rejected: $out"
grep -q 'revoked' <<<"$out" || fail "the error does not say revoked: $out"
grep -q 'kc-leader token rotate' <<<"$out" || fail "the error does not say what to do: $out"
grep -q 'failed to join after 1 attempt' <<<"$out" || fail "the status line does not say failed: $out"
[ "$(kubeadm_joins)" = 2 ] || fail "kubeadm ran with a revoked token"
echo "PASS"
