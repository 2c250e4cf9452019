# Helpers for tests against the Kubernetes API server STAND-IN (tests/servers/
# kube_apiserver_standin.py): no real kube-apiserver can run here, so the stand-in speaks the
# protocol kc uses. Sourced after lib.sh.

STANDIN="$KC_SOURCE_ROOT/tests/servers/kube_apiserver_standin.py"
STANDIN_PREFIX=${STANDIN_PREFIX:-}

# make_kube_pki DIR: a cluster CA (ca.pem, ca.key), a server certificate for 127.0.0.1, a client
# certificate for kc-cleanup signed by the CA (client.pem, client.key), one signed by another
# CA (rogue.pem, rogue.key) and the cluster admin's (admin.pem, admin.key; O=system:masters). All with the real openssl.
make_kube_pki() {
  local d=$1
  mkdir -p "$d"
  openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=kubernetes" \
    -keyout "$d/ca.key" -out "$d/ca.pem" 2>/dev/null
  openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=kube-apiserver" \
    -keyout "$d/server.key" -out "$d/server.csr" 2>/dev/null
  printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n' >"$d/server.cnf"
  openssl x509 -req -in "$d/server.csr" -CA "$d/ca.pem" -CAkey "$d/ca.key" -CAcreateserial \
    -days 2 -extfile "$d/server.cnf" -out "$d/server.pem" 2>/dev/null
  openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=kc-cleanup" \
    -keyout "$d/client.key" -out "$d/client.csr" 2>/dev/null
  printf 'extendedKeyUsage=clientAuth\n' >"$d/client.cnf"
  openssl x509 -req -in "$d/client.csr" -CA "$d/ca.pem" -CAkey "$d/ca.key" -CAcreateserial \
    -days 2 -extfile "$d/client.cnf" -out "$d/client.pem" 2>/dev/null
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
    -subj "/CN=kc-cleanup" -keyout "$d/rogue.key" -out "$d/rogue.pem" 2>/dev/null
  # The cluster admin, as in kubeadm's admin.conf.
  openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -subj "/O=system:masters/CN=kubernetes-admin" -keyout "$d/admin.key" -out "$d/admin.csr" 2>/dev/null
  openssl x509 -req -in "$d/admin.csr" -CA "$d/ca.pem" -CAkey "$d/ca.key" -CAcreateserial \
    -days 2 -extfile "$d/client.cnf" -out "$d/admin.pem" 2>/dev/null
  [ -s "$d/client.pem" ] && [ -s "$d/server.pem" ] || fail "openssl could not make the test PKI"
}

# write_kubeconfig FILE SERVER CA CERT KEY: a kubeconfig in kubeadm's layout (embedded data).
write_kubeconfig() {
  local b64='base64 -w0'
  cat >"$1" <<KC
apiVersion: v1
clusters:
- cluster:
    certificate-authority-data: $($b64 <"$3")
    server: $2
  name: kubernetes
contexts:
- context:
    cluster: kubernetes
    user: kc-cleanup
  name: kc-cleanup@kubernetes
current-context: kc-cleanup@kubernetes
kind: Config
preferences: {}
users:
- name: kc-cleanup
  user:
    client-certificate-data: $($b64 <"$4")
    client-key-data: $($b64 <"$5")
KC
}

# start_standin PKI_DIR [stand-in args...]: sets API_PORT, CTL_PORT, STANDIN_PID, API_URL.
# Lets user kc-cleanup at nodes unless STANDIN_ALLOW_USER says another (empty: nobody but
# system:masters, and with --rbac whom the applied ClusterRoleBindings allow).
# With API_PORT already set, listens on that port again (a restarted API server). With
# STANDIN_PREFIX="nsenter -t PID -n", runs in that process's network namespace (a container's).
start_standin() {
  local pki=$1
  shift
  local ports="$SCRATCH/standin.ports.$RANDOM"
  local users=()
  [ -z "${STANDIN_ALLOW_USER-kc-cleanup}" ] || users=(--allow-user "${STANDIN_ALLOW_USER-kc-cleanup}")
  $STANDIN_PREFIX python3 "$STANDIN" --tls-dir "$pki" --port "${API_PORT:-0}" --ports-file "$ports" \
    "${users[@]}" "$@" 2>>"$SCRATCH/standin.log" &
  STANDIN_PID=$!
  on_exit "kill $STANDIN_PID 2>/dev/null"
  local i
  for i in $(seq 1 200); do
    [ -s "$ports" ] && break
    kill -0 "$STANDIN_PID" 2>/dev/null || fail "the API stand-in did not start: $(tail -5 "$SCRATCH/standin.log")"
    sleep 0.05
  done
  read -r API_PORT CTL_PORT <"$ports"
  API_URL="https://127.0.0.1:$API_PORT"
}

stop_standin() {
  kill "$STANDIN_PID" 2>/dev/null
  wait "$STANDIN_PID" 2>/dev/null || true
}

# ctl JSON: posts a control operation to the stand-in.
ctl() { $STANDIN_PREFIX curl -sf -X POST --data "$1" "http://127.0.0.1:$CTL_PORT/" >/dev/null || fail "stand-in control: $1"; }
# state EXPR: a Python expression over the stand-in's state `s`, printed.
state() {
  $STANDIN_PREFIX curl -sf "http://127.0.0.1:$CTL_PORT/" | python3 -c "import json,sys; s=json.load(sys.stdin); print($1)"
}


# --- kc-leader init in the real-systemd test bed (leader_init.sh, two_hosts.sh). Sourced after
# testbed_lib.sh. What the leader needs around it, each a stand-in that speaks the real protocol:
#   - a mirror of the node binaries whose kubeadm is the kubeadm STAND-IN (tests/standins/kubeadm:
#     it checks argv and the v1beta4 config, makes the CA and admin.conf with real openssl, and
#     starts the API server STAND-IN as a service of its own), and a kubelet that stays up;
#   - the IMDSv2 STAND-IN (tests/servers/imds_standin.py, start_imds in lib.sh).

# require_python_yaml: sets YAML_PY (python3-yaml's package directory: the kubeadm stand-in
# reads the config with it, and the test bed's python3 has none), or skips.
require_python_yaml() {
  YAML_PY=$(/usr/bin/python3 -c 'import os, yaml; print(os.path.dirname(yaml.__file__))' 2>/dev/null) ||
    skip "python3-yaml is not installed (the kubeadm stand-in reads the config with it)"
}

# make_leader_mirror DIR UNIT: DIR/docroot with make_artifacts' files, whose kubeadm is the
# kubeadm stand-in (through a wrapper that tells it where its scripts are inside the container and
# to run the API server stand-in /opt/kc-test/kube_apiserver_standin.py as systemd unit UNIT, on
# every address of the container's own network namespace, as kube-apiserver listens), and
# DIR/catalog.json pinning them.
make_leader_mirror() {
  local d=$1 unit=$2 api=/opt/kc-test/kube_apiserver_standin.py
  python3 "$KC_SOURCE_ROOT/tests/servers/make_artifacts.py" "$d/docroot" "$d/cat" --scale 0.01 >/dev/null ||
    fail "could not make the artifacts"
  python3 - "$d" "$unit" "$api" <<'PY'
import hashlib, json, os, sys
d, unit, api = sys.argv[1:4]
cat = json.load(open(f"{d}/cat/catalog.json"))
kubeadm = f"""#!/bin/sh
# kubeadm for kc's test bed: the kubeadm STAND-IN (tests/standins/kubeadm), copied into the test bed.
export KC_KUBEADM_STANDIN_DIR=/opt/kc-test/kubeadm KC_APISERVER_STANDIN={api}
export KC_APISERVER_STANDIN_UNIT={unit} KC_APISERVER_STANDIN_BIND=0.0.0.0
exec /opt/kc-test/kubeadm/kubeadm "$@"
""".encode()
bodies = {"kubeadm": kubeadm,
          "kubelet": b"#!/bin/sh\n# stand-in kubelet: stays up as a service would\nexec sleep infinity\n"}
for a in cat["artifacts"]:
    if a["name"] in bodies:
        url = a["url"].replace("{version}", "1.36.3").replace("{arch}", "amd64")
        with open(os.path.join(d, "docroot", url.split("/", 3)[3]), "wb") as f:
            f.write(bodies[a["name"]])
        a["sha256"]["amd64"]["1.36.3"] = hashlib.sha256(bodies[a["name"]]).hexdigest()
json.dump(cat, open(f"{d}/catalog.json", "w"), indent=1)
PY
}

# prepare_leader NAME MIRROR NODE ADDRESS: into the booted container NAME (its root is $ROOT):
# kc-leader with kc-worker next to it (init's default --kc-worker), the kubeadm and API server
# stand-ins and MIRROR's catalog under /opt/kc-test, python3-yaml, Flatcar's admin user core
# (init's default kubeconfig user), and NODE (the private DNS name) resolving to ADDRESS, as the
# VPC's resolver answers. Needs require_python_yaml.
prepare_leader() {
  local name=$1 m=$2 node=$3 address=$4
  install -D -m 0755 "$KC_LEADER" "$ROOT/opt/kc/kc-leader"
  install -D -m 0755 "$KC_WORKER" "$ROOT/opt/kc/kc-worker"
  mkdir -p "$ROOT/opt/kc-test/kubeadm"
  cp "$KC_SOURCE_ROOT"/tests/standins/kubeadm/{kubeadm,init.py,token.py,join.py} "$ROOT/opt/kc-test/kubeadm/"
  cp "$STANDIN" "$m/catalog.json" "$ROOT/opt/kc-test/"
  mkdir -p "$ROOT/usr/lib/python3/dist-packages"
  cp -r "$YAML_PY" "$ROOT/usr/lib/python3/dist-packages/"
  inside "$name" useradd --create-home core
  echo "$address $node" >>"$ROOT/etc/hosts"
}
