#!/bin/bash
# The whole "kc-leader init" under the real systemd of the test bed: kc-leader and kc-worker in an
# nspawn container, the node binaries from a mirror (python's http.server in the container's
# network namespace) whose kubeadm is the kubeadm STAND-IN (tests/standins/kubeadm: it checks
# argv and the v1beta4 config's structure, makes the CA and admin.conf with real openssl, and
# starts the Kubernetes API server STAND-IN, tests/servers/kube_apiserver_standin.py, as a service
# of its own with what kubeadm, the kubelet and the cloud-controller-manager would have made), the
# IMDSv2 STAND-IN (tests/servers/imds_standin.py: a token is required), Debian's real containerd
# (kc enables and starts it over D-Bus, then asks its CRI Version). No real control plane can run
# here. Asserted:
#   - preflight failures give their documented errors and change nothing: no IMDS, overlapping
#     subnets, br_netfilter missing (built into this machine's kernel: its sysctls are hidden),
#     containerd that cannot start;
#   - a real init prints every phase, writes the files with their modes, starts the units, applies
#     the add-ons to the API server stand-in, writes both user data formats and prints them at
#     the end (and "kc-leader user-data --format F" prints the one asked);
#   - a second init changes nothing;
#   - a half-finished earlier init (manifests there, API server down) is reported with
#     "kubeadm reset" and not overwritten.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/testbed_lib.sh"
source "$(dirname "$0")/kube_lib.sh"
source "$(dirname "$0")/worker_lib.sh"
require_testbed
[ "${KC_STATIC:-1}" = 1 ] || skip "kc-leader runs inside the container: needs the static build (-Dstatic=true)"
command -v openssl >/dev/null || skip "openssl is not installed"
require_python_yaml

C=kc-linit-$$
NODE=ip-10-0-0-10.ec2.internal
STANDIN_UNIT=kc-test-apiserver
M=$SCRATCH/m

make_leader_mirror "$M" "$STANDIN_UNIT"
# nspawn hides /sys/module: kc sees overlay in /proc/filesystems, as the container shows it.
testbed_start "$C"
LEADER=$("$TB" leader "$C")
prepare_leader "$C" "$M" "$NODE" 127.0.0.1
start_mirror "$LEADER" "$M"
start_imds "$SCRATCH/imds.log" nsenter -t "$LEADER" -n

INIT=(/opt/kc/kc-leader init --cluster-name kc-test --kubernetes-version 1.36.3
  --catalog /opt/kc-test/catalog.json --mirror http://127.0.0.1:8080)
IMDS_FLAG=(--metadata-endpoint "$IMDS_URL")

# has_line TEXT ERE WHAT: a line of TEXT matches ERE.
has_line() { grep -qE "$2" <<<"$1" || fail "$3: no line matches /$2/ in: $1"; }

# nothing_changed WHAT: the failed init left the host as it was.
nothing_changed() {
  local p
  for p in etc/kc etc/kubernetes etc/modules-load.d/kc.conf etc/sysctl.d/90-kc.conf opt/bin/kubeadm opt/cni; do
    [ ! -e "$ROOT/$p" ] || fail "$1: /$p was made"
  done
  # The downloads started with the run were cancelled and their temporary files removed.
  [ -z "$(find "$ROOT/opt" -name '*.kc-tmp-*')" ] || fail "$1: temporary files left: $(find "$ROOT/opt" -name '*.kc-tmp-*')"
  [ "$(inside "$C" systemctl is-enabled containerd.service 2>/dev/null || true)" != enabled ] ||
    fail "$1: containerd.service was enabled"
}

echo "--- no IMDS: not on EC2, nothing changed"
closed=$(nsenter -t "$LEADER" -n python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
rc=0
out=$(wexec "$C" -- "${INIT[@]}" --metadata-endpoint "http://127.0.0.1:$closed" 2>&1) || rc=$?
[ "$rc" != 0 ] || fail "init without IMDS succeeded: $out"
expect_match "$out" "not on EC2" "no-IMDS error"
nothing_changed "no IMDS"

echo "--- overlapping subnets: [SubnetOverlap], nothing changed"
rc=0
out=$(wexec "$C" -- "${INIT[@]}" "${IMDS_FLAG[@]}" --pod-subnet 10.0.128.0/17 2>&1) || rc=$?
[ "$rc" != 0 ] || fail "init with an overlapping pod subnet succeeded: $out"
expect_match "$out" "\[SubnetOverlap\] subnet 10.0.128.0/17 overlaps the VPC CIDR 10.0.0.0/16" "overlap error"
expect_match "$out" "nothing was changed" "overlap error hint"
nothing_changed "overlapping subnets"

echo "--- br_netfilter missing: [KernelModule-br_netfilter], nothing changed"
# It is built into this machine's kernel: hide what kc sees of it (its sysctls, in the container's
# network namespace), as on a kernel without it.
nsenter -t "$LEADER" -m -n mount -t tmpfs -o ro,size=4k tmpfs /proc/sys/net/bridge
rc=0
out=$(wexec "$C" -- "${INIT[@]}" "${IMDS_FLAG[@]}" 2>&1) || rc=$?
nsenter -t "$LEADER" -m -n umount /proc/sys/net/bridge
[ "$rc" != 0 ] || fail "init without br_netfilter succeeded: $out"
expect_match "$out" "\[KernelModule-br_netfilter\] kernel module br_netfilter is neither loaded nor available to this kernel" "br_netfilter error"
nothing_changed "br_netfilter missing"

echo "--- containerd cannot start: its error, nothing else changed"
mkdir -p "$ROOT/etc/systemd/system/containerd.service.d"
printf '[Service]\nExecStart=\nExecStart=/bin/false\n' >"$ROOT/etc/systemd/system/containerd.service.d/broken.conf"
inside "$C" systemctl daemon-reload
rc=0
out=$(wexec "$C" -- "${INIT[@]}" "${IMDS_FLAG[@]}" 2>&1) || rc=$?
[ "$rc" != 0 ] || fail "init with a broken containerd succeeded: $out"
expect_match "$out" "start containerd.*containerd.service.*the start job ended failed" "containerd error"
expect_match "$out" "journalctl -b -u containerd" "containerd hint"
nothing_changed "containerd cannot start"
rm -r "$ROOT/etc/systemd/system/containerd.service.d"
inside "$C" systemctl daemon-reload
inside "$C" systemctl reset-failed containerd.service 2>/dev/null || true

echo "--- init for real"
start=$SECONDS
out=$(wexec "$C" -- "${INIT[@]}" "${IMDS_FLAG[@]}" 2>&1) ||
  fail "kc-leader init failed: $out
$(inside "$C" journalctl -b -u kc-cleanup -u kc-serve -o cat --no-pager | tail -20)"
echo "init took $((SECONDS - start)) s"
has_line "$out" '^\[assets\] installed kubeadm .*started with the run; waited [0-9.]+ s\)' "downloads overlap identity and preflight"
last=0
for phase in identity preflight assets units kubeadm kubeconfig addons cleanup join-data worker-user-data; do
  n=$(grep -n -m1 "^\[$phase\] " <<<"$out" | cut -d: -f1) || fail "no [$phase] lines: $out"
  [ "$n" -gt "$last" ] || fail "[$phase] is out of order: $out"
  last=$n
done
has_line "$out" "^\[identity\] node $NODE \(i-0123456789abcdef0 in us-east-1a" "identity from IMDS"
has_line "$out" "^\[preflight\] started containerd.service \(containerd 1\.6" "containerd started, CRI asked"
expect_match "$out" "\[kubeadm\] kubeadm: Your Kubernetes control-plane has initialized successfully" "kubeadm's output streamed"
grep -q "^GET /latest/meta-data/.* 401" "$SCRATCH/imds.log" && fail "kc asked IMDS without a token"
grep -q "^PUT /latest/api/token 200" "$SCRATCH/imds.log" || fail "no IMDSv2 token was asked for"
mode() { stat -c '%a %U' "$ROOT/$1"; }
[ "$(mode etc/kc/kubeadm-init.yaml)" = "600 root" ] || fail "kubeadm-init.yaml: $(mode etc/kc/kubeadm-init.yaml)"
[ "$(mode etc/kubernetes/admin.conf)" = "600 root" ] || fail "admin.conf: $(mode etc/kubernetes/admin.conf)"
core_home=$(inside "$C" getent passwd core | cut -d: -f6)
[ "$(inside "$C" stat -c '%a %U' "$core_home/.kube/config")" = "600 core" ] ||
  fail "~core/.kube/config: $(inside "$C" stat -c '%a %U' "$core_home/.kube/config")"
cmp -s "$ROOT/etc/kubernetes/admin.conf" "$ROOT$core_home/.kube/config" || fail "~core/.kube/config is not admin.conf"
for unit in containerd kubelet kc-cleanup kc-serve; do
  state=$(busctl --address="$DBUS_SYSTEM_BUS_ADDRESS" get-property org.freedesktop.systemd1 \
    "/org/freedesktop/systemd1/unit/${unit//-/_2d}_2eservice" \
    org.freedesktop.systemd1.Unit ActiveState)
  [ "$state" = 's "active"' ] || fail "$unit.service is $state: $(inside "$C" journalctl -b -u "$unit" -o cat --no-pager | tail -5)"
done
# The add-ons (issue 10), applied to the API server stand-in.
CTL=$(cut -d' ' -f2 "$ROOT/etc/kubernetes/.standin/ports")
applied=$(nsenter -t "$LEADER" -n curl -sf "http://127.0.0.1:$CTL/" |
  python3 -c 'import json, sys; print(" ".join(sorted({a["kind"] + "/" + a["name"] for a in json.load(sys.stdin)["applied"]})))')
for object in daemonsets/kube-flannel-ds deployments/metrics-server deployments/cluster-autoscaler \
              deployments/kubelet-csr-approver; do
  grep -qw "$object" <<<"$applied" || fail "the add-ons did not apply $object: $applied"
done
approved=$(nsenter -t "$LEADER" -n curl -sf "http://127.0.0.1:$CTL/" |
  python3 -c 'import json, sys; print(" ".join(a["name"] for a in json.load(sys.stdin)["approvals"]))')
[ "$approved" = csr-leader ] || fail "kc approved [$approved], not the leader's serving CSR"
# Both user data formats (issue 15), kept 0600 and printed at the end.
for f in etc/kc/join.json etc/kc/user-data.ign etc/kc/user-data.sh; do
  [ "$(mode "$f")" = "600 root" ] || fail "/$f: $(mode "$f")"
done
python3 -c 'import json, sys; assert json.load(open(sys.argv[1]))["ignition"]["version"] == "3.5.0"' \
  "$ROOT/etc/kc/user-data.ign" || fail "user-data.ign is not Ignition 3.5"
bash -n "$ROOT/etc/kc/user-data.sh" || fail "user-data.sh is not valid bash"
has_line "$out" "^# ---- worker user data \(Ignition 3.5; also in /etc/kc/user-data.ign, mode 0600\) ----" "Ignition printed"
has_line "$out" "^# ---- worker user data \(shell script; also in /etc/kc/user-data.sh, mode 0600\) ----" "shell printed"
grep -qF "$(head -c 200 "$ROOT/etc/kc/user-data.sh")" <<<"$out" || fail "the printed shell user data is not the file's"
for format in ignition shell; do
  file=/etc/kc/user-data.$([ $format = ignition ] && echo ign || echo sh)
  asked=$(wexec "$C" -- /opt/kc/kc-leader user-data --format $format) || fail "user-data --format $format failed"
  [ "$asked" = "$(cat "$ROOT$file")" ] || fail "user-data --format $format does not print $file: $asked"
done
# The bootstrap token is in the user data init prints at the end, and nowhere before it.
token=$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["token"])' "$ROOT/etc/kc/join.json")
[[ $token =~ ^[a-z0-9]{6}\.[a-z0-9]{16}$ ]] || fail "join.json holds no bootstrap token"
grep -qF "$token" <<<"${out%%# ---- worker user data*}" && fail "the bootstrap token is in init's log"
inside "$C" journalctl -b -o cat --no-pager | grep -qF "$token" && fail "the bootstrap token is in the journal"
# kc-serve serves the kc-worker the user data pins.
pinned=$(grep -o "^sha256='[0-9a-f]*'" "$ROOT/etc/kc/user-data.sh" | cut -d"'" -f2)
served=$(nsenter -t "$LEADER" -n curl -sf http://127.0.0.1:6444/kc-worker/amd64 | sha256sum | cut -d' ' -f1)
[ "$served" = "$pinned" ] || fail "kc-serve serves $served, the user data pins $pinned"
[ "$served" = "$(sha256sum <"$KC_WORKER" | cut -d' ' -f1)" ] || fail "kc-serve does not serve --kc-worker"

echo "--- again: nothing changed"
ca=$(sha256sum <"$ROOT/etc/kubernetes/pki/ca.crt")
out=$(wexec "$C" -- "${INIT[@]}" "${IMDS_FLAG[@]}" 2>&1) || fail "the second init failed: $out"
has_line "$out" "^kc-leader init: 0 step\\(s\\) changed the host, [0-9]+ already in place$" "second run summary"
grep -E "^\[[a-z-]+\] (wrote|started|ran|enabled|applied .*\((created|configured)\)|installed)" <<<"$out" &&
  fail "the second init changed something: $out"
[ "$(sha256sum <"$ROOT/etc/kubernetes/pki/ca.crt")" = "$ca" ] || fail "the second init made a new CA"

echo "--- half-finished: API server down, manifests there: kubeadm reset, not overwritten"
inside "$C" systemctl stop "$STANDIN_UNIT"
rm "$ROOT/etc/kubernetes/admin.conf"
manifests=$(cat "$ROOT"/etc/kubernetes/manifests/* | sha256sum)
rc=0
out=$(wexec "$C" -- "${INIT[@]}" "${IMDS_FLAG[@]}" 2>&1) || rc=$?
[ "$rc" != 0 ] || fail "init over a half-finished one succeeded: $out"
expect_match "$out" "a previous kubeadm init stopped half-way" "half-finished error"
expect_match "$out" "kubeadm reset" "half-finished hint"
[ ! -e "$ROOT/etc/kubernetes/admin.conf" ] || fail "kubeadm init ran over the half-finished one"
[ "$(cat "$ROOT"/etc/kubernetes/manifests/* | sha256sum)" = "$manifests" ] || fail "the manifests were changed"
[ "$(sha256sum <"$ROOT/etc/kubernetes/pki/ca.crt")" = "$ca" ] || fail "the CA was replaced"
echo "leader-init: ok"
