#!/bin/bash
# kc-worker join wall time per phase on the real-systemd test bed: assets from a local mirror
# (small stand-in artifacts: this measures kc, not the network), the kubeadm join stand-in and the
# API server stand-in (tests/integration/worker_lib.sh). Prints kc-worker's own summary line of
# RUNS first joins (each after kubeadm reset and with the binaries removed, so every phase does
# its work) and of an "already joined" run. Needs root. Usage: join_bench.sh BUILDDIR [RUNS]
set -euo pipefail
BUILD=$(realpath "${1:?usage: join_bench.sh BUILDDIR [RUNS]}")
RUNS=${2:-3}
export KC_SOURCE_ROOT=${KC_SOURCE_ROOT:-$(realpath "$(dirname "$0")/../..")}
export KC_WORKER=$BUILD/bootstrap/kc-worker KC_SYSTEMD_PROBE=unused
source "$KC_SOURCE_ROOT/tests/integration/lib.sh"
source "$KC_SOURCE_ROOT/tests/integration/testbed_lib.sh"
source "$KC_SOURCE_ROOT/tests/integration/kube_lib.sh"
source "$KC_SOURCE_ROOT/tests/integration/worker_lib.sh"
require_testbed
C=kc-jbench-$$
make_kube_pki "$SCRATCH/pki"
make_worker_mirror "$SCRATCH/m"
testbed_start "$C"
prepare_worker "$C" "$SCRATCH/m"
start_worker_apiserver "$C" "$SCRATCH/pki"
write_join_file "$ROOT/etc/kc/join.json" 0600 127.0.0.1:6443 "$(ca_hash "$SCRATCH/pki/ca.pem")"
args=(--catalog /etc/kc/catalog.json --mirror http://127.0.0.1:8080)
for i in $(seq 1 "$RUNS"); do
  inside "$C" /opt/bin/kubeadm reset --force >/dev/null 2>&1 || true
  rm -f "$ROOT"/opt/bin/{kubeadm,kubelet,crictl} "$ROOT/var/lib/kc/assets.json"
  echo "first join $i: $(wexec "$C" -- /opt/bin/kc-worker join "${args[@]}" 2>&1 | grep '^kc-worker join: .* API server')"
done
echo "already joined: $(wexec "$C" -- /opt/bin/kc-worker join "${args[@]}" 2>&1 | grep '^kc-worker join: .* API server')"
