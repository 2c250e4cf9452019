#!/bin/bash
# Two hosts end to end: a leader and a worker, each a real-systemd nspawn container in a network
# namespace of this test's own (kcA-PID 10.99.0.1, kcB-PID 10.99.0.2), joined by a veth pair.
#
# The leader side: once `kc-leader init` and `kc-leader user-data` run for real (the leader-init
# and join-data issues), the leader runs them; until then (`kc-leader user-data --format shell`
# fails) the same roles are played by stand-ins in the leader's namespace: the API server
# stand-in with a bootstrap token on 10.99.0.1:6443 and a static HTTP server for kc-worker on
# 10.99.0.1:6444 (what kc-serve serves), and the test writes the shell user data the way the
# join-data issue specifies it (fetch kc-worker, check its SHA-256, write the join file 0600, run
# kc-worker join). The worker runs that user data once, as EC2 would, joins through the kubeadm
# join stand-in, then reboots (persistent clone) and reports "already joined" without a second
# join; then, cut off from the leader (veth down) and reset, it waits and joins once the link is
# back up.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/testbed_lib.sh"
source "$(dirname "$0")/kube_lib.sh"
source "$(dirname "$0")/worker_lib.sh"
require_testbed
[ "${KC_STATIC:-1}" = 1 ] || skip "kc-worker runs inside the container: needs the static build (-Dstatic=true)"
command -v ip >/dev/null || skip "ip (iproute2) is not installed"

A=kcA-$$ B=kcB-$$
ip netns add "$A"
on_exit "ip netns del '$A' 2>/dev/null"
ip netns add "$B"
on_exit "ip netns del '$B' 2>/dev/null"
ip link add "v$A" type veth peer name "v$B"
ip link set "v$A" netns "$A"
ip link set "v$B" netns "$B"
ip -n "$A" addr add 10.99.0.1/24 dev "v$A"
ip -n "$B" addr add 10.99.0.2/24 dev "v$B"
for ns in "$A" "$B"; do ip -n "$ns" link set lo up; done
# The worker's own IMDS stand-in, on its namespace's loopback (it outlives the reboot there).
start_worker_imds ip netns exec "$B"
preset_netns_sysctls "$B"
ip -n "$A" link set "v$A" up
ip -n "$B" link set "v$B" up

# The leader's PKI: the API server's certificate names 10.99.0.1.
P=$SCRATCH/pki
mkdir -p "$P"
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=kubernetes" -keyout "$P/ca.key" -out "$P/ca.pem" 2>/dev/null
openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=kube-apiserver" \
  -keyout "$P/server.key" -out "$P/server.csr" 2>/dev/null
printf 'subjectAltName=IP:10.99.0.1\nextendedKeyUsage=serverAuth\n' >"$P/server.cnf"
openssl x509 -req -in "$P/server.csr" -CA "$P/ca.pem" -CAkey "$P/ca.key" -CAcreateserial -days 2 \
  -extfile "$P/server.cnf" -out "$P/server.pem" 2>/dev/null
HASH=$(ca_hash "$P/ca.pem")
make_worker_mirror "$SCRATCH/m"
mkdir -p "$SCRATCH/serve/kc-worker"
cp "$KC_WORKER" "$SCRATCH/serve/kc-worker/amd64"
WORKER_SHA=$(sha256sum "$KC_WORKER" | cut -d' ' -f1)

echo "--- the leader"
testbed_start "$A" --netns "/run/netns/$A"
in_a() { ip netns exec "$A" "$@"; }
# Started with `ip netns exec` itself (it execs), so $! is the server and the exit kills it.
ip netns exec "$A" python3 "$STANDIN" --tls-dir "$P" --bind 10.99.0.1 --port 6443 --control-port 6445 \
  --bootstrap-token "$WORKER_TOKEN" >/dev/null 2>>"$SCRATCH/standin.log" &
on_exit "kill $! 2>/dev/null"
ip netns exec "$A" python3 -m http.server 6444 --bind 10.99.0.1 --directory "$SCRATCH/serve" >/dev/null 2>&1 &
on_exit "kill $! 2>/dev/null"
ip netns exec "$A" python3 -m http.server 8080 --bind 10.99.0.1 --directory "$SCRATCH/m/docroot" >/dev/null 2>&1 &
on_exit "kill $! 2>/dev/null"
wait_for "the leader's API server" 10 in_a curl -sk -o /dev/null https://10.99.0.1:6443/version
wait_for "the leader's kc-worker" 10 in_a curl -sf -o /dev/null http://10.99.0.1:6444/kc-worker/amd64
CTL_PORT=6445
STANDIN_PREFIX="ip netns exec $A"

USER_DATA=$SCRATCH/user-data
if "$KC_LEADER" user-data --format shell >"$USER_DATA" 2>/dev/null; then
  echo "(kc-leader's own shell user data)"
else
  # The shell user data as the join-data issue specifies it (Flatcar runs it as root, once).
  # python3 fetches here: the test bed's rootfs has no curl.
  cat >"$USER_DATA" <<EOF
#!/bin/bash
set -euo pipefail
for i in 1 2 3 4 5; do
  python3 -c 'import urllib.request,sys; urllib.request.urlretrieve(sys.argv[1], sys.argv[2])' \
    http://10.99.0.1:6444/kc-worker/amd64 /opt/bin/.kc-worker.tmp && break
  sleep \$i
done
echo "$WORKER_SHA  /opt/bin/.kc-worker.tmp" | sha256sum -c --quiet
chmod 0755 /opt/bin/.kc-worker.tmp && mv /opt/bin/.kc-worker.tmp /opt/bin/kc-worker
install -d -m 0700 /etc/kc
umask 077
cat >/etc/kc/join.json <<'JSON'
{"version": 1, "apiServerEndpoint": "10.99.0.1:6443", "token": "$WORKER_TOKEN",
 "caCertHashes": ["$HASH"], "kubernetesVersion": "1.36.3", "clusterName": "kc-test",
 "podSubnet": "10.244.0.0/16"}
JSON
echo "KC_WORKER_ARGS=--catalog /etc/kc/catalog.json --mirror http://10.99.0.1:8080 --metadata-endpoint $IMDS_URL" >/etc/kc/kc-worker.env
exec /opt/bin/kc-worker join --catalog /etc/kc/catalog.json --mirror http://10.99.0.1:8080 --metadata-endpoint $IMDS_URL
EOF
fi
bash -n "$USER_DATA" || fail "the user data is not valid bash"

echo "--- the worker runs the user data"
DISK=$(mktemp -d /var/tmp/kc-two-XXXXXX)
on_exit "rm -rf '$DISK'"
"$TB" clone "$DISK/rootfs" >/dev/null || fail "could not copy the test bed rootfs"
testbed_start "$B" --persistent "$DISK/rootfs" --netns "/run/netns/$B"
mkdir -p "$ROOT/opt/bin"
install -D -m 0644 "$SCRATCH/m/catalog.json" "$ROOT/etc/kc/catalog.json"
[ -e "$ROOT/lib/systemd/system/containerd.service" ] ||
  fail "the test bed rootfs has no containerd (tests/testbed/systemd-testbed.sh installs it)"
install -m 0700 "$USER_DATA" "$ROOT/var/lib/user-data"
out=$(wexec "$B" -- /var/lib/user-data 2>&1) || fail "the user data failed: $out"
echo "$out" | tail -n 2
grep -q ' joined, API server 10.99.0.1:6443' <<<"$out" || fail "the worker did not join: $out"
grep -q 'ip-10-0-0-10.ec2.internal joined' <<<"$out" || fail "the node name is not its IMDS's: $out"
grep -q 'aws:///us-east-1a/i-0123456789abcdef0' "$ROOT/etc/kc/kubeadm-join.yaml" || fail "no providerID in kubeadm-join.yaml"
[ "$(prop "$B" containerd.service ActiveState)" = active ] || fail "preflight did not start containerd"
[ "$(stat -c %a "$ROOT/etc/kc/join.json")" = 600 ] || fail "join.json is not 0600"
[ "$(sha256sum <"$ROOT/opt/bin/kc-worker" | cut -d' ' -f1)" = "$WORKER_SHA" ] || fail "kc-worker differs from the leader's"
[ "$(kubeadm_joins)" = 1 ] || fail "expected one kubeadm join"
[ "$(state 's["joins"][0]["user"]')" = "system:bootstrap:abcdef" ] || fail "the leader saw no TLS bootstrap"

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
out=$(wexec "$B" -- /opt/bin/kc-worker join --join-timeout 60s --catalog /etc/kc/catalog.json --mirror http://10.99.0.1:8080 \
  --metadata-endpoint "$IMDS_URL" 2>&1) ||
  fail "join after the link came back failed: $out"
grep -q 'attempt 1: ' <<<"$out" || fail "no retry logged while the leader was unreachable: $out"
grep -q ' joined, API server 10.99.0.1:6443' <<<"$out" || fail "not joined: $out"
[ "$(kubeadm_joins)" = 2 ] || fail "expected the second join"
echo "PASS"
