#!/bin/bash
# The Ignition form of the worker user data (issue 9): the test bed has no Ignition, so
# tests/tools/ignition_apply.py (a stand-in for Ignition's files and systemd stages) writes the
# config's storage.files (kc-worker fetched from the mirror and checked against
# verification.hash, the join file 0600 inline) and systemd.units (kc-worker.service enabled) into
# the worker's root; then the worker boots and kc-worker.service joins at boot, through the same
# stand-ins as worker-join (worker_lib.sh). A config whose hash does not match writes nothing.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/testbed_lib.sh"
source "$(dirname "$0")/kube_lib.sh"
source "$(dirname "$0")/worker_lib.sh"
require_testbed
command -v ip >/dev/null || skip "ip (iproute2) is not installed"
[ "${KC_STATIC:-1}" = 1 ] || skip "kc-worker runs inside the container: needs the static build (-Dstatic=true)"
APPLY=$KC_SOURCE_ROOT/tests/tools/ignition_apply.py

C=kc-wign-$$
DISK=$(mktemp -d /var/tmp/kc-wign-XXXXXX)
on_exit "rm -rf '$DISK'"
"$TB" clone "$DISK/rootfs" >/dev/null || fail "could not copy the test bed rootfs"
make_kube_pki "$SCRATCH/pki"
HASH=$(ca_hash "$SCRATCH/pki/ca.pem")
make_worker_mirror "$SCRATCH/m"
install -D -m 0755 "$KC_WORKER" "$SCRATCH/m/docroot/kc-worker/amd64"

ip netns add "$C"
on_exit "ip netns del '$C' 2>/dev/null"
ip -n "$C" link set lo up
preset_netns_sysctls "$C"
start_worker_imds ip netns exec "$C"
ip netns exec "$C" python3 -m http.server 8080 --bind 127.0.0.1 --directory "$SCRATCH/m/docroot" \
  >>"$SCRATCH/mirror.log" 2>&1 &
on_exit "kill $! 2>/dev/null"
wait_for "the mirror" 10 ip netns exec "$C" curl -sf -o /dev/null http://127.0.0.1:8080/kc-worker/amd64
STANDIN_PREFIX="ip netns exec $C" API_PORT=6443 STANDIN_ALLOW_USER="" \
  start_standin "$SCRATCH/pki" --bootstrap-token "$WORKER_TOKEN"
STANDIN_PREFIX="ip netns exec $C"

# The Ignition config as kc-leader user-data --format ignition builds it (common/join/user_data.cpp).
make_config() {  # make_config OUT SHA256
  python3 - "$1" "$2" "$HASH" "$WORKER_TOKEN" "$KC_SOURCE_ROOT/units/kc-worker.service" <<'PY'
import base64, json, sys
out, sha, ca, token, unit = sys.argv[1:]
join = {"version": 1, "apiServerEndpoint": "127.0.0.1:6443", "token": token, "caCertHashes": [ca],
        "kubernetesVersion": "1.36.3", "clusterName": "kc-test", "podSubnet": "10.244.0.0/16"}
config = {"ignition": {"version": "3.5.0"},
          "storage": {"files": [
              {"path": "/opt/bin/kc-worker", "mode": 0o755,
               "contents": {"source": "http://127.0.0.1:8080/kc-worker/amd64",
                            "verification": {"hash": "sha256-" + sha}}},
              {"path": "/etc/kc/join.json", "mode": 0o600,
               "contents": {"source": "data:;base64," + base64.b64encode(json.dumps(join).encode()).decode()}}]},
          "systemd": {"units": [{"name": "kc-worker.service", "enabled": True, "contents": open(unit).read()}]}}
json.dump(config, open(out, "w"))
PY
}

echo "--- a config whose kc-worker does not match verification.hash writes nothing"
make_config "$SCRATCH/bad.ign" "$(printf '0%.0s' {1..64})"
rc=0
err=$(ip netns exec "$C" python3 "$APPLY" "$DISK/rootfs" "$SCRATCH/bad.ign" 2>&1) || rc=$?
[ "$rc" = 1 ] || fail "a hash mismatch exited $rc: $err"
grep -q 'verification.hash wants' <<<"$err" || fail "the error does not name the hash: $err"
[ ! -e "$DISK/rootfs/opt/bin/kc-worker" ] && [ ! -e "$DISK/rootfs/etc/kc/join.json" ] || fail "a failed config wrote files"

echo "--- Ignition's files and units, then the first boot: kc-worker.service joins"
make_config "$SCRATCH/worker.ign" "$(sha256sum <"$KC_WORKER" | cut -d' ' -f1)"
ip netns exec "$C" python3 "$APPLY" "$DISK/rootfs" "$SCRATCH/worker.ign" || fail "could not apply the Ignition config"
[ "$(stat -c %a "$DISK/rootfs/etc/kc/join.json")" = 600 ] || fail "join.json is not 0600"
# What the test adds (no Ignition field): the mirror's catalog and the stand-ins' addresses.
install -D -m 0644 "$SCRATCH/m/catalog.json" "$DISK/rootfs/etc/kc/catalog.json"
echo "KC_WORKER_ARGS=${WORKER_ARGS[*]}" >"$DISK/rootfs/etc/kc/kc-worker.env"
testbed_start "$C" --persistent "$DISK/rootfs" --netns "/run/netns/$C"
wait_for "kc-worker.service at first boot" 60 bash -c "[ \"\$('$TB' sh '$C' -- systemctl show -P SubState kc-worker.service)\" = exited ]"
[ "$(prop "$C" kc-worker.service Result)" = success ] || fail "kc-worker.service failed at first boot"
journal=$(inside "$C" journalctl -b -u kc-worker.service -o cat --no-pager)
grep -q 'kc-worker join: ip-10-0-0-10.ec2.internal joined, API server 127.0.0.1:6443' <<<"$journal" ||
  fail "the boot's journal does not say joined: $journal"
[ "$(kubeadm_joins)" = 1 ] || fail "expected one kubeadm join, got $(kubeadm_joins)"
[ "$(state 's["joins"][0]["user"]')" = "system:bootstrap:abcdef" ] || fail "the API server stand-in saw no TLS bootstrap"
[ "$(prop "$C" kubelet.service ActiveState)" = active ] || fail "kubelet is not running"
[ "$(prop "$C" containerd.service ActiveState)" = active ] || fail "containerd is not running"
echo "PASS"
