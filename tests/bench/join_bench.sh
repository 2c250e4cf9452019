#!/bin/bash
# kc-worker join wall time per phase on the real-systemd test bed (tests/integration/worker_lib.sh:
# Debian's containerd started by preflight, the IMDS-free identity flags, the kubeadm join
# stand-in and the API server stand-in). The mirror (python's http.server in the container's
# network namespace) serves artifacts of the real sizes (kubeadm 70, kubelet 80, crictl 20, CNI
# plugins 50 MB: 220 MB, no kubectl) through one tbf of RATE_MBIT for all of the container's
# traffic, so the downloads take a realistic time; the kubeadm and kubelet served are the
# stand-ins, padded to their real sizes. Each first join runs after kubeadm reset with the
# binaries removed, so every phase does its work; BEFORE (a kc-worker without the overlap, e.g.
# main's) and this build's alternate run by run. Prints kc-worker's own summary line of every
# run, then the median of each phase. Needs root (nspawn, tc). Prints figures, asserts nothing.
#   join_bench.sh BUILDDIR [RUNS]     env: BEFORE=PATH/kc-worker RATE_MBIT=400 SCALE=1
set -euo pipefail
BUILD=$(realpath "${1:?usage: join_bench.sh BUILDDIR [RUNS]}")
RUNS=${2:-5}
RATE_MBIT=${RATE_MBIT:-400}
SCALE=${SCALE:-1}
export KC_SOURCE_ROOT=${KC_SOURCE_ROOT:-$(realpath "$(dirname "$0")/../..")}
export KC_WORKER=$BUILD/bootstrap/kc-worker KC_SYSTEMD_PROBE=unused
source "$KC_SOURCE_ROOT/tests/integration/lib.sh"
source "$KC_SOURCE_ROOT/tests/integration/testbed_lib.sh"
source "$KC_SOURCE_ROOT/tests/integration/kube_lib.sh"
source "$KC_SOURCE_ROOT/tests/integration/worker_lib.sh"
require_testbed
command -v tc >/dev/null || skip "tc (iproute2) is not installed"

# The artifacts at their real sizes; kubeadm and kubelet are the stand-ins, padded (a shell
# script execs before it reads the padding).
make_bench_mirror() {
  local d=$1
  python3 "$KC_SOURCE_ROOT/tests/servers/make_artifacts.py" "$d/docroot" "$d/cat" --scale "$SCALE" \
    --sizes kubeadm=70,kubelet=80,kubectl=1,crictl=20,cni-plugins=50 >/dev/null
  python3 - "$d" "$SCALE" <<'PY'
import hashlib, json, os, random, sys
d, scale = sys.argv[1], float(sys.argv[2])
cat = json.load(open(f"{d}/cat/catalog.json"))
heads = {"kubeadm": (b'#!/bin/sh\nexec python3 /var/lib/kc-bench/join.py "$@"\n', 70),
         "kubelet": (b"#!/bin/sh\n# stand-in kubelet: stays up as a service would\nexec sleep infinity\n", 80)}
for a in cat["artifacts"]:
    if a["name"] in heads:
        head, mb = heads[a["name"]]
        body = head + b"#" + random.Random(a["name"]).randbytes(int(mb * scale * 1e6))
        url = a["url"].replace("{version}", "1.36.3").replace("{arch}", "amd64")
        with open(os.path.join(d, "docroot", url.split("/", 3)[3]), "wb") as f:
            f.write(body)
        a["sha256"]["amd64"]["1.36.3"] = hashlib.sha256(body).hexdigest()
json.dump(cat, open(f"{d}/catalog.json", "w"), indent=1)
PY
}

# Back to a first boot's state: not joined, no binaries, containerd stopped and disabled, none
# of kc's units, modules or sysctls files.
first_boot_state() {
  inside "$C" /opt/bin/kubeadm reset --force >/dev/null 2>&1 || true
  inside "$C" systemctl disable --now kubelet.service kc-worker.service containerd.service >/dev/null 2>&1 || true
  rm -rf "$ROOT"/opt/bin/{kubeadm,kubelet,crictl} "$ROOT/opt/cni" "$ROOT/var/lib/kc/assets.json" \
    "$ROOT"/etc/systemd/system/{kubelet.service,kubelet.service.d,kc-worker.service} \
    "$ROOT/etc/modules-load.d/kc.conf" "$ROOT/etc/sysctl.d/90-kc.conf"
  inside "$C" systemctl daemon-reload
}

C=kc-jbench-$$
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
make_kube_pki "$SCRATCH/pki"
make_bench_mirror "$SCRATCH/m"
testbed_start "$C"
WORKER_ARGS=(--catalog /etc/kc/catalog.json --mirror http://127.0.0.1:8080)
prepare_worker "$C" "$SCRATCH/m"
install -D -m 0644 "$JOIN_STANDIN" "$ROOT/var/lib/kc-bench/join.py"
variants=(after)
if [ -n "${BEFORE:-}" ]; then
  install -m 0755 "$BEFORE" "$ROOT/opt/bin/kc-worker-before"
  variants=(before after)
fi
start_worker_apiserver "$C" "$SCRATCH/pki"
write_join_file "$ROOT/etc/kc/join.json" 0600 127.0.0.1:6443 "$(ca_hash "$SCRATCH/pki/ca.pem")"
args=("${WORKER_ARGS[@]}" --node-name bench-worker --node-ip 10.0.0.20 --region us-east-1
  --zone us-east-1a --instance-id i-0123456789abcdef0 --vpc-cidr 10.0.0.0/16)
leader=$("$TB" leader "$C")
nsenter -t "$leader" -n tc qdisc add dev lo root tbf rate "${RATE_MBIT}mbit" burst 1mb latency 200ms
echo "mirror: $(du -sh --apparent-size "$SCRATCH/m/docroot" | cut -f1) on disk (with kubectl and" \
  "the digests, not downloaded), rate ${RATE_MBIT} Mbit/s for all of the container's traffic"

for i in $(seq 1 "$RUNS"); do
  for v in "${variants[@]}"; do
    first_boot_state
    bin=/opt/bin/kc-worker
    [ "$v" = before ] && bin=/opt/bin/kc-worker-before
    out=$(wexec "$C" -- "$bin" join "${args[@]}" 2>&1) || { echo "$v $i failed: $out" >&2; continue; }
    echo "$v $i: $(grep '^kc-worker join: .* API server' <<<"$out")" | tee -a "$SCRATCH/lines"
    grep '^\[assets\] installed' <<<"$out" | sed 's/^/    /'  # what the assets phase says
  done
done
echo "already joined: $(wexec "$C" -- /opt/bin/kc-worker join "${args[@]}" 2>&1 | grep '^kc-worker join: .* API server')"
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"

python3 - "$SCRATCH/lines" <<'PY'
import re, statistics, sys
runs = {}
for line in open(sys.argv[1]):
    variant = line.split()[0]
    m = re.search(r"\((.*); total ([0-9.]+) s\)", line)
    if not m:
        continue
    phases = {k: float(v) for k, v in re.findall(r"([a-z-]+) ([0-9.]+) s", m.group(1))}
    phases["total"] = float(m.group(2))
    runs.setdefault(variant, []).append(phases)
names = ["join-data", "identity", "storage", "preflight", "assets", "units", "kubeadm", "total"]
print("median (min-max) over", {v: len(r) for v, r in runs.items()}, "runs")
print("| phase | " + " | ".join(runs) + " |")
for n in names:
    cells = []
    for v, rs in runs.items():
        xs = [r.get(n, 0.0) for r in rs]
        cells.append(f"{statistics.median(xs):.2f} s ({min(xs):.2f}-{max(xs):.2f})")
    print(f"| {n} | " + " | ".join(cells) + " |")
PY
