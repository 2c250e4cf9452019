# Helpers for the tests of kc-worker join in the real-systemd test bed (sourced after lib.sh,
# testbed_lib.sh and kube_lib.sh). What the worker needs around it, each a stand-in that speaks
# the real protocol:
#   - a mirror of the node binaries (python's http.server on the worker's 127.0.0.1:8080, in its
#     network namespace), whose kubeadm is the kubeadm join stand-in
#     (tests/standins/kubeadm/join.py: real discovery with openssl, TLS bootstrap with the token)
#     and whose kubelet is a process that stays up;
#   - the Kubernetes API server stand-in with a bootstrap token (tests/servers/
#     kube_apiserver_standin.py), on 127.0.0.1:6443 of the worker's network namespace;
#   - the IMDS stand-in (tests/servers/imds_standin.py, IMDSv2 with session tokens) in the
#     worker's network namespace, given to kc-worker with --metadata-endpoint (KC_WORKER_ARGS in
#     /etc/kc/kc-worker.env for the service's runs); a network namespace of the test's own keeps
#     it reachable across the worker's reboots;
#   - Debian's containerd in the test bed rootfs (installed, not enabled: preflight enables and
#     starts it and asks its CRI Version); a containerd.service that stays up only where the
#     rootfs has none.
JOIN_STANDIN=$KC_SOURCE_ROOT/tests/standins/kubeadm/join.py
WORKER_TOKEN=abcdef.0123456789abcdef

# make_worker_mirror DIR: DIR/docroot with the artifacts, DIR/catalog.json pinning them.
make_worker_mirror() {
  local d=$1
  python3 "$KC_SOURCE_ROOT/tests/servers/make_artifacts.py" "$d/docroot" "$d/cat" --scale 0.01 >/dev/null ||
    fail "could not make the artifacts"
  python3 - "$d" "$JOIN_STANDIN" <<'PY'
import hashlib, json, os, sys
d, join = sys.argv[1], sys.argv[2]
cat = json.load(open(f"{d}/cat/catalog.json"))
bodies = {"kubeadm": open(join, "rb").read(),
          "kubelet": b"#!/bin/sh\n# stand-in kubelet: stays up as a service would\nexec sleep infinity\n"}
for a in cat["artifacts"]:
    if a["name"] in bodies:
        url = a["url"].replace("{version}", "1.36.3").replace("{arch}", "amd64")
        path = os.path.join(d, "docroot", url.split("/", 3)[3])
        with open(path, "wb") as f:
            f.write(bodies[a["name"]])
        a["sha256"]["amd64"]["1.36.3"] = hashlib.sha256(bodies[a["name"]]).hexdigest()
json.dump(cat, open(f"{d}/catalog.json", "w"), indent=1)
PY
}

# ca_hash PEM: the discovery hash of a CA certificate, with openssl.
ca_hash() {
  echo "sha256:$(openssl x509 -pubkey -noout -in "$1" | openssl pkey -pubin -outform der | sha256sum | cut -d' ' -f1)"
}

# start_worker_imds PREFIX...: the IMDS stand-in, run by PREFIX (which enters the worker's
# network namespace and execs); sets IMDS_URL and WORKER_ARGS (the flags every join gets).
start_worker_imds() {
  "$@" python3 "$KC_SOURCE_ROOT/tests/servers/imds_standin.py" --log "$SCRATCH/imds.log" \
    >"$SCRATCH/imds.port" 2>>"$SCRATCH/imds.err" &
  on_exit "kill $! 2>/dev/null"
  wait_for "the IMDS stand-in" 10 test -s "$SCRATCH/imds.port"
  IMDS_URL=http://127.0.0.1:$(head -n 1 "$SCRATCH/imds.port")
  WORKER_ARGS=(--catalog /etc/kc/catalog.json --mirror http://127.0.0.1:8080 --metadata-endpoint "$IMDS_URL")
}

# preset_netns_sysctls NETNS: the sysctls kc-worker's preflight sets, set in the test's network
# namespace from outside: nspawn (systemd 252) mounts /proc/sys/net read-only in a container
# started with --network-namespace-path (writable only with --private-network), so preflight
# can only find them right and persist them in /etc/sysctl.d.
preset_netns_sysctls() {
  ip netns exec "$1" sysctl -qw net.ipv4.ip_forward=1 net.bridge.bridge-nf-call-iptables=1 ||
    fail "could not set the sysctls of network namespace $1"
}

# imds_tokens: how many IMDSv2 session tokens the stand-in issued.
imds_tokens() { grep -c '^PUT /latest/api/token 200' "$SCRATCH/imds.log" 2>/dev/null || true; }

# prepare_worker NAME DIR: puts kc-worker, the catalog, a containerd.service and the env file
# into the container's root; starts the mirror in its network namespace.
prepare_worker() {
  local name=$1 d=$2 leader
  leader=$("$TB" leader "$name")
  install -D -m 0755 "$KC_WORKER" "$ROOT/opt/bin/kc-worker"
  install -D -m 0644 "$d/catalog.json" "$ROOT/etc/kc/catalog.json"
  echo "KC_WORKER_ARGS=${WORKER_ARGS[*]}" >"$ROOT/etc/kc/kc-worker.env"
  if [ ! -e "$ROOT/lib/systemd/system/containerd.service" ] && [ ! -e "$ROOT/etc/systemd/system/containerd.service" ]; then
    printf '[Unit]\nDescription=containerd stand-in (the test bed has none)\n[Service]\nExecStart=/bin/sleep infinity\n[Install]\nWantedBy=multi-user.target\n' \
      >"$ROOT/etc/systemd/system/containerd.service"
    inside "$name" systemctl daemon-reload
  fi
  start_mirror "$leader" "$d"
}

start_mirror() {
  local leader=$1 d=$2
  nsenter -t "$leader" -n python3 -m http.server 8080 --bind 127.0.0.1 --directory "$d/docroot" \
    >>"$SCRATCH/mirror.log" 2>&1 &
  local pid=$!
  on_exit "kill $pid 2>/dev/null"
  wait_for "the mirror" 10 nsenter -t "$leader" -n curl -sf -o /dev/null http://127.0.0.1:8080/
}

# start_worker_apiserver NAME PKI: the API server stand-in on the container's 127.0.0.1:6443.
start_worker_apiserver() {
  local leader
  leader=$("$TB" leader "$1")
  STANDIN_PREFIX="nsenter -t $leader -n" API_PORT=6443 STANDIN_ALLOW_USER="" \
    start_standin "$2" --bootstrap-token "$WORKER_TOKEN"
  STANDIN_PREFIX="nsenter -t $leader -n"
}

# write_join_file FILE MODE SERVER HASH: the join file as the user data writes it.
write_join_file() {
  mkdir -p "$(dirname "$1")"
  cat >"$1" <<JSON
{"version": 1, "apiServerEndpoint": "$3", "token": "$WORKER_TOKEN", "caCertHashes": ["$4"],
 "kubernetesVersion": "1.36.3", "clusterName": "kc-test", "podSubnet": "10.244.0.0/16"}
JSON
  chmod "$2" "$1"
}

# kubeadm_calls NAME: how many times the kubeadm stand-in joined on this node.
kubeadm_joins() { grep -c '^join ' "$ROOT/var/lib/kc-test/kubeadm-calls.log" 2>/dev/null || true; }

# wexec NAME -- CMD...: CMD inside as a transient service (the host's bus address is not theirs).
wexec() { env -u DBUS_SYSTEM_BUS_ADDRESS "$TB" exec "$@"; }
