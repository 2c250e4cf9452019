#!/bin/bash
# Two hosts end to end: a leader and a worker, each a real-systemd nspawn container in a network
# namespace of this test's own (kcA-PID 10.0.0.10, kcB-PID 10.0.0.11), joined by a veth pair.
#
# The leader runs the real `kc-leader init` as leader_init.sh does (the kubeadm stand-in, which
# starts the API server stand-in, here listening on the leader's every address; its IMDS
# stand-in), then `kc-leader user-data --format shell --worker-args ...` prints the shell user
# data. The worker has its own IMDS stand-in and mirror (in its network namespace, so they outlive
# its reboot; --worker-args names them, as an operator names a mirror) and runs THAT user data
# once, as root, as EC2 would: it fetches kc-worker from the leader's kc-serve and checks its
# SHA-256, writes the join file 0600 and kc-worker.env, and joins through the kubeadm join
# stand-in (discovery and TLS bootstrap against the leader's API server stand-in, the CA hash
# computed with real openssl). Then the worker reboots (persistent clone): kc-worker.service
# reports "already joined" without a second join. Then, cut off from the leader (veth down) and
# reset, it waits and joins once the link is back up; a wrong CA hash, and the old token after
# `kc-leader token rotate` on the leader, fail at once with their documented errors.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/testbed_lib.sh"
source "$(dirname "$0")/kube_lib.sh"
source "$(dirname "$0")/worker_lib.sh"
require_testbed
[ "${KC_STATIC:-1}" = 1 ] || skip "kc-leader and kc-worker run inside the containers: needs the static build (-Dstatic=true)"
command -v ip >/dev/null || skip "ip (iproute2) is not installed"
command -v openssl >/dev/null || skip "openssl is not installed"
command -v curl >/dev/null || skip "curl is not installed (the shell user data fetches kc-worker with it)"
require_python_yaml

A=kcA-$$ B=kcB-$$
LEADER_NODE=ip-10-0-0-10.ec2.internal
WORKER_NODE=ip-10-0-0-11.ec2.internal
ip netns add "$A"
on_exit "ip netns del '$A' 2>/dev/null"
ip netns add "$B"
on_exit "ip netns del '$B' 2>/dev/null"
ip link add "v$A" type veth peer name "v$B"
ip link set "v$A" netns "$A"
ip link set "v$B" netns "$B"
ip -n "$A" addr add 10.0.0.10/24 dev "v$A"
ip -n "$B" addr add 10.0.0.11/24 dev "v$B"
for ns in "$A" "$B"; do
  ip -n "$ns" link set lo up
  preset_netns_sysctls "$ns"
done
ip -n "$A" link set "v$A" up
ip -n "$B" link set "v$B" up

# install_host_curl ROOT: this machine's curl (Debian bookworm, as the rootfs) and the libraries
# it needs that the test bed's minimal rootfs lacks, into ROOT: Flatcar has curl, the shell user
# data fetches kc-worker with it.
install_host_curl() {
  local root=$1 lib
  install -m 0755 "$(command -v curl)" "$root/usr/bin/curl"
  for lib in $(ldd "$(command -v curl)" | awk '$3 ~ /^\// {print $3}'); do
    [ -e "$root/usr/lib/x86_64-linux-gnu/${lib##*/}" ] || [ -e "$root/lib/x86_64-linux-gnu/${lib##*/}" ] ||
      cp -L "$lib" "$root/usr/lib/x86_64-linux-gnu/"
  done
}

M=$SCRATCH/m W=$SCRATCH/w
make_leader_mirror "$M" kc-test-apiserver
make_worker_mirror "$W"
DISK=$(mktemp -d /var/tmp/kc-two-XXXXXX)
on_exit "rm -rf '$DISK'"
# The worker's disk is copied while the leader boots and inits.
"$TB" clone "$DISK/rootfs" >/dev/null &
CLONE=$!

echo "--- the leader: kc-leader init"
testbed_start "$A" --netns "/run/netns/$A"
LROOT=$ROOT
prepare_leader "$A" "$M" "$LEADER_NODE" 10.0.0.10
start_mirror "$("$TB" leader "$A")" "$M"
start_imds "$SCRATCH/imds-leader.log" ip netns exec "$A"
start=$SECONDS
out=$(wexec "$A" -- /opt/kc/kc-leader init --cluster-name kc-test --kubernetes-version 1.36.3 \
  --catalog /opt/kc-test/catalog.json --mirror http://127.0.0.1:8080 --metadata-endpoint "$IMDS_URL" 2>&1) ||
  fail "kc-leader init failed: $out"
echo "init took $((SECONDS - start)) s"
grep -q "^\[worker-user-data\] " <<<"$out" || fail "init ran no worker-user-data phase: $out"
STANDIN_PREFIX="ip netns exec $A"
CTL_PORT=$(cut -d' ' -f2 "$LROOT/etc/kubernetes/.standin/ports")
TOKEN=$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["token"])' "$LROOT/etc/kc/join.json")
TOKEN_ID=${TOKEN%%.*}
# As with kubeadm, init's token is a bootstrap-token Secret on the API server (token.py created
# it there) and cluster-info names the API server as admin.conf does (init.py).

echo "--- the worker's stand-ins; kc-leader user-data --format shell"
cat >"$SCRATCH/worker-imds.json" <<JSON
{"local-hostname": "$WORKER_NODE", "local-ipv4": "10.0.0.11", "placement/region": "us-east-1",
 "placement/availability-zone": "us-east-1a", "instance-id": "i-0fedcba9876543210",
 "mac": "0e:12:34:56:78:9b", "network/interfaces/macs/0e:12:34:56:78:9b/vpc-ipv4-cidr-blocks": "10.0.0.0/16"}
JSON
start_imds "$SCRATCH/imds.log" ip netns exec "$B" -- --values "$SCRATCH/worker-imds.json"
ip netns exec "$B" python3 -m http.server 8080 --bind 127.0.0.1 --directory "$W/docroot" >/dev/null 2>&1 &
on_exit "kill $! 2>/dev/null"
WORKER_ARGS=(--catalog /etc/kc/catalog.json --mirror http://127.0.0.1:8080 --metadata-endpoint "$IMDS_URL")
USER_DATA=$SCRATCH/user-data
wexec "$A" -- /opt/kc/kc-leader user-data --format shell "--worker-args=${WORKER_ARGS[*]}" >"$USER_DATA" ||
  fail "kc-leader user-data --format shell failed"
bash -n "$USER_DATA" || fail "the user data is not valid bash"
grep -qx "url='http://$LEADER_NODE:6444/kc-worker/amd64'" "$USER_DATA" || fail "the user data does not fetch from kc-serve: $(cat "$USER_DATA")"
WORKER_SHA=$(sha256sum <"$KC_WORKER" | cut -d' ' -f1)
grep -qx "sha256='$WORKER_SHA'" "$USER_DATA" || fail "the user data does not pin the served kc-worker"
grep -qx "exec /opt/bin/kc-worker join ${WORKER_ARGS[*]}" "$USER_DATA" || fail "the first join does not get --worker-args"

echo "--- the worker runs the user data, as root, once"
wait "$CLONE" || fail "could not copy the test bed rootfs"
testbed_start "$B" --persistent "$DISK/rootfs" --netns "/run/netns/$B"
install_host_curl "$ROOT"
install -D -m 0644 "$W/catalog.json" "$ROOT/etc/kc/catalog.json"
echo "10.0.0.10 $LEADER_NODE" >>"$ROOT/etc/hosts"  # the VPC's resolver, for the leader's name
[ -e "$ROOT/lib/systemd/system/containerd.service" ] ||
  fail "the test bed rootfs has no containerd (tests/testbed/systemd-testbed.sh installs it)"
install -m 0700 "$USER_DATA" "$ROOT/var/lib/user-data"
start=$SECONDS
out=$(wexec "$B" -- /var/lib/user-data 2>&1) || fail "the user data failed: $out"
echo "the user data took $((SECONDS - start)) s"
echo "$out" | tail -n 1
grep -q "$WORKER_NODE joined, API server $LEADER_NODE:6443" <<<"$out" || fail "the worker did not join as its IMDS says: $out"
grep -q 'aws:///us-east-1a/i-0fedcba9876543210' "$ROOT/etc/kc/kubeadm-join.yaml" || fail "no providerID in kubeadm-join.yaml"
[ "$(prop "$B" containerd.service ActiveState)" = active ] || fail "preflight did not start containerd"
[ "$(stat -c %a "$ROOT/etc/kc/join.json")" = 600 ] || fail "join.json is not 0600"
[ "$(sha256sum <"$ROOT/opt/bin/kc-worker" | cut -d' ' -f1)" = "$WORKER_SHA" ] || fail "kc-worker differs from the leader's"
grep -qx "KC_WORKER_ARGS=${WORKER_ARGS[*]}" "$ROOT/etc/kc/kc-worker.env" || fail "kc-worker.env does not hold --worker-args"
[ "$(kubeadm_joins)" = 1 ] || fail "expected one kubeadm join"
[ "$(state 's["joins"][0]["user"]')" = "system:bootstrap:$TOKEN_ID" ] || fail "the leader saw no TLS bootstrap with init's token"

echo "--- the worker reboots: already joined"
"$TB" stop "$B"
testbed_start "$B" --persistent "$DISK/rootfs" --netns "/run/netns/$B"
wait_for "kc-worker.service at boot" 30 bash -c "[ \"\$('$TB' sh '$B' -- systemctl show -P SubState kc-worker.service)\" = exited ]"
inside "$B" journalctl -b -u kc-worker.service -o cat --no-pager | grep -q 'already joined' ||
  fail "kc-worker.service did not report already joined at boot"
[ "$(kubeadm_joins)" = 1 ] || fail "the reboot joined again"

echo "--- the leader unreachable for a while (veth down), then back"
inside "$B" /opt/bin/kubeadm reset --force >/dev/null
ip -n "$A" link set "v$A" down
(sleep 4; ip -n "$A" link set "v$A" up) &
out=$(wexec "$B" -- /opt/bin/kc-worker join --join-timeout 60s "${WORKER_ARGS[@]}" 2>&1) ||
  fail "join after the link came back failed: $out"
grep -q 'attempt 1: ' <<<"$out" || fail "no retry logged while the leader was unreachable: $out"
grep -q " joined, API server $LEADER_NODE:6443" <<<"$out" || fail "not joined: $out"
[ "$(kubeadm_joins)" = 2 ] || fail "expected the second join"

echo "--- a wrong CA hash fails at once, saying so"
inside "$B" /opt/bin/kubeadm reset --force >/dev/null
HASH=$(ca_hash "$LROOT/etc/kubernetes/pki/ca.crt")
grep -qF "\"$HASH\"" "$ROOT/etc/kc/join.json" || fail "the join file does not pin the leader's CA ($HASH)"
(umask 077; printf '%s\n' "$TOKEN" >"$ROOT/etc/kc/token")
start=$SECONDS
rc=0
out=$(wexec "$B" -- /opt/bin/kc-worker join --api-server "$LEADER_NODE:6443" --token-file /etc/kc/token \
  --discovery-token-ca-cert-hash "sha256:$(printf '1%.0s' {1..64})" "${WORKER_ARGS[@]}" 2>&1) || rc=$?
[ "$rc" = 1 ] || fail "a wrong CA hash exited $rc: $out"
grep -q 'cluster CA does not match the pinned hash' <<<"$out" || fail "the error does not say CA mismatch: $out"
grep -q "$HASH" <<<"$out" || fail "the error does not name the cluster's hash: $out"
((SECONDS - start < 15)) || fail "a CA mismatch was retried"
[ "$(kubeadm_joins)" = 2 ] || fail "kubeadm ran despite the CA mismatch"

echo "--- a revoked token fails at once, saying so"
# The leader rotates the token: kubeadm token create, then delete of the old one (token.py, on the
# API server stand-in); the worker still has the old join file.
wexec "$A" -- /opt/kc/kc-leader token rotate >/dev/null 2>"$SCRATCH/rotate.log" ||
  fail "kc-leader token rotate failed: $(cat "$SCRATCH/rotate.log")"
grep -q "deleted bootstrap token $TOKEN_ID" "$SCRATCH/rotate.log" || fail "the old token was not deleted: $(cat "$SCRATCH/rotate.log")"
grep -q "KC_WORKER_ARGS=" "$LROOT/etc/kc/user-data.sh" && fail "rotated user data carry worker args init was not given"
rc=0
out=$(wexec "$B" -- /opt/bin/kc-worker join "${WORKER_ARGS[@]}" 2>&1) || rc=$?
[ "$rc" = 1 ] || fail "a revoked token exited $rc: $out"
grep -q 'bootstrap token rejected' <<<"$out" || fail "the error does not say token rejected: $out"
grep -q 'kc-leader token rotate' <<<"$out" || fail "the error does not say what to do: $out"
[ "$(kubeadm_joins)" = 2 ] || fail "kubeadm ran with a revoked token"
echo "PASS"
