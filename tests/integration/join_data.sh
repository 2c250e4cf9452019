#!/usr/bin/env bash
# The join data and the worker user data, with the real kc-leader and kc-worker binaries, the real
# openssl, curl, bash and python3-jsonschema, and the kubeadm token STAND-IN
# (tests/standins/kubeadm/token.py: kubeadm's command line and output; no API server runs here):
#   - ca-hash equals `openssl x509 -pubkey | openssl pkey -pubin -outform der | sha256sum` for RSA
#     and ECDSA CAs;
#   - token rotate creates a token through kubeadm with the TTL asked for, deletes the old one,
#     writes join.json 0600 and prints new user data; the token is in no argv, log or dry run;
#   - the Ignition user data validates against the strict Ignition 3.5 schema, pins the served
#     kc-worker's digest, holds the join file 0600 and enables kc-worker.service;
#   - the shell user data passes bash -n and, run against kc-serve with KC_ROOT, fetches and
#     verifies kc-worker and writes the join file 0600, stopping before join; both under 16 KB;
#   - kc-serve serves exactly the pinned binary (404 elsewhere, no listing, no traversal) to 50
#     concurrent downloads.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

for tool in openssl curl python3 bash sha256sum; do
  command -v "$tool" >/dev/null || skip "$tool is not installed"
done
python3 -c 'import jsonschema; jsonschema.Draft202012Validator' 2>/dev/null ||
  skip "python3-jsonschema (with draft 2020-12) is not installed"
SCHEMA=$KC_SOURCE_ROOT/../shared/data/ignition-v3_5-schema.strict.json
[ -f "$SCHEMA" ] || SCHEMA=/work/shared/data/ignition-v3_5-schema.strict.json
[ -f "$SCHEMA" ] || skip "the Ignition 3.5 schema (../shared/data) is not there"

sha() { sha256sum "$1" | cut -d' ' -f1; }

# --- ca-hash against openssl, RSA and ECDSA ---
for key in rsa:2048 ec; do
  extra=()
  [ "$key" = ec ] && extra=(-pkeyopt ec_paramgen_curve:P-256)
  openssl req -x509 -newkey "$key" "${extra[@]}" -nodes -days 2 -subj /CN=kubernetes \
    -keyout "$SCRATCH/ca.key" -out "$SCRATCH/ca-$key.crt" 2>/dev/null
  want="sha256:$(openssl x509 -in "$SCRATCH/ca-$key.crt" -pubkey -noout |
    openssl pkey -pubin -outform der | sha256sum | cut -d' ' -f1)"
  got=$("$KC_LEADER" ca-hash "$SCRATCH/ca-$key.crt")
  [ "$got" = "$want" ] || fail "ca-hash ($key): $got, openssl says $want"
done
echo "ca-hash: RSA and ECDSA match openssl"
expect_exit 1 "$KC_LEADER" --root "$SCRATCH/empty" ca-hash
echo "not a certificate" >"$SCRATCH/bad.crt"
out=$("$KC_LEADER" ca-hash "$SCRATCH/bad.crt" 2>&1) && fail "ca-hash accepted a non-certificate"
expect_match "$out" "bad.crt" "the ca-hash error names the file"

# --- a leader's root after kubeadm init: CA, admin.conf, kubeadm (stand-in), served kc-worker ---
R=$SCRATCH/leader
mkdir -p "$R/etc/kubernetes/pki" "$R/opt/bin" "$R/var/lib/kc/serve" "$R/etc/kc"
cp "$SCRATCH/ca-ec.crt" "$R/etc/kubernetes/pki/ca.crt"
printf 'apiVersion: v1\nkind: Config\nclusters:\n- name: kubernetes\n  cluster:\n    server: https://127.0.0.1:6443\n' \
  >"$R/etc/kubernetes/admin.conf"
printf '#!/bin/sh\nexec /usr/bin/python3 %s "$@"\n' "$KC_SOURCE_ROOT/tests/standins/kubeadm/token.py" \
  >"$R/opt/bin/kubeadm"
chmod 0755 "$R/opt/bin/kubeadm"
# What kc-serve serves: the static kc-worker (about 9 MB); the sanitizer build's is several times
# larger, so there its first 10 MB (ELF header and all) stand in for it.
if [ "${KC_STATIC:-1}" = 1 ]; then
  install -m 0755 "$KC_WORKER" "$R/var/lib/kc/serve/kc-worker-amd64"
else
  head -c 10M "$KC_WORKER" >"$R/var/lib/kc/serve/kc-worker-amd64"
fi
WORKER_SHA=$(sha "$R/var/lib/kc/serve/kc-worker-amd64")
CA_HASH=$("$KC_LEADER" --root "$R" ca-hash)
STATE=$R/etc/kubernetes/kubeadm-standin
# The first token and join file, as init's join-data phase leaves them.
OLD=$(python3 "$KC_SOURCE_ROOT/tests/standins/kubeadm/token.py" token create --ttl 0 \
  --kubeconfig "$R/etc/kubernetes/admin.conf")
python3 - "$R/etc/kc/join.json" "$OLD" "$CA_HASH" <<'PY'
import json, os, sys
path, token, ca = sys.argv[1:]
doc = {"version": 1, "apiServerEndpoint": "127.0.0.1:6443", "token": token,
       "caCertHashes": [ca], "kubernetesVersion": "1.36.3", "clusterName": "toil",
       "podSubnet": "10.244.0.0/16"}
fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
os.write(fd, json.dumps(doc).encode())
PY

# --- token rotate: dry run first (changes and shows nothing secret) ---
dry=$("$KC_LEADER" --root "$R" --dry-run token rotate --token-ttl 48h 2>&1)
expect_match "$dry" "would create a bootstrap token \(kubeadm token create --ttl 48h\)" "dry run"
[[ $dry != *"${OLD#*.}"* ]] || fail "the dry run shows the token"
[ "$(wc -l <"$STATE/calls.log")" = 1 ] || fail "the dry run ran kubeadm"

# init --worker-args keeps them here; rotated user data carry them.
echo "--mirror https://mirror.example.com" >"$R/etc/kc/worker-args"
"$KC_LEADER" --root "$R" token rotate --token-ttl 48h --format shell >"$SCRATCH/rotated.sh" \
  2>"$SCRATCH/rotate.log" || fail "token rotate failed: $(cat "$SCRATCH/rotate.log")"
NEW=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["token"])' "$R/etc/kc/join.json")
[ "$NEW" != "$OLD" ] || fail "token rotate kept the old token"
[ "$(stat -c %a "$R/etc/kc/join.json")" = 600 ] || fail "join.json is not 0600"
grep -q '"create", "--ttl", "48h", "--description"' "$STATE/calls.log" ||
  fail "kubeadm token create was not given --ttl 48h: $(cat "$STATE/calls.log")"
grep -q "\"delete\", \"${OLD%%.*}\"" "$STATE/calls.log" || fail "the old token was not deleted"
tokens=$(python3 "$KC_SOURCE_ROOT/tests/standins/kubeadm/token.py" token list \
  --kubeconfig "$R/etc/kubernetes/admin.conf")
[[ $tokens == *"$NEW"* && $tokens != *"$OLD"* ]] || fail "kubeadm lists: $tokens"
for secret in "${NEW#*.}" "${OLD#*.}"; do
  ! grep -q "$secret" "$STATE/calls.log" || fail "a token's secret was in kubeadm's argv"
  ! grep -q "$secret" "$SCRATCH/rotate.log" || fail "a token's secret was logged"
done
grep -q "$NEW" "$SCRATCH/rotated.sh" || fail "token rotate did not print the new user data"
grep -q "KC_WORKER_ARGS=--mirror https://mirror.example.com" "$SCRATCH/rotated.sh" ||
  fail "the rotated user data lost init's --worker-args"
rm "$R/etc/kc/worker-args"
for copy in user-data.ign user-data.sh; do
  [ "$(stat -c %a "$R/etc/kc/$copy")" = 600 ] || fail "/etc/kc/$copy is not 0600"
done
cmp -s "$SCRATCH/rotated.sh" "$R/etc/kc/user-data.sh" || fail "the printed user data is not the kept copy"
echo "token rotate: new token through kubeadm (ttl 48h), old one deleted, no secret in argv or log"

# --- kc-serve on a free port, pinned ---
PORT=$(free_port)
"$KC_LEADER" --root "$R" serve --address 127.0.0.1 --port "$PORT" --pin "amd64=$WORKER_SHA" \
  --idle-timeout 2 2>"$SCRATCH/serve.log" &
SERVE_PID=$!
on_exit "kill $SERVE_PID 2>/dev/null"
for _ in $(seq 50); do
  curl -fsS -o /dev/null "http://127.0.0.1:$PORT/kc-worker/amd64" 2>/dev/null && break
  sleep 0.1
done
BASE=http://127.0.0.1:$PORT
code() { curl -s -o /dev/null -w '%{http_code}' --path-as-is "$@"; }
for path in / /kc-worker /kc-worker/ /kc-worker/arm64 /kc-worker/amd64/ /kc-worker/../kc-worker/amd64 \
  /kc-worker/%61md64 /var/lib/kc/serve/kc-worker-amd64 /../../etc/kc/join.json /etc/kc/join.json \
  "/kc-worker/amd64/../../etc/passwd"; do
  c=$(code "$BASE$path")
  [ "$c" = 404 ] || fail "GET $path: HTTP $c, expected 404"
done
[ "$(code -X POST "$BASE/kc-worker/amd64")" = 405 ] || fail "POST was not refused"
listing=$(curl -s "$BASE/")
[[ $listing != *kc-worker* ]] || fail "/ lists files: $listing"
mkdir -p "$SCRATCH/dl"
for i in $(seq 50); do
  curl -fsS -o "$SCRATCH/dl/$i" "$BASE/kc-worker/amd64" &
done
wait $(jobs -p | grep -v "^$SERVE_PID$") 2>/dev/null || true
for i in $(seq 50); do
  [ "$(sha "$SCRATCH/dl/$i")" = "$WORKER_SHA" ] || fail "download $i of 50 differs from the pinned kc-worker"
done
kill -0 "$SERVE_PID" || fail "kc-serve died under 50 concurrent downloads"
echo "kc-serve: the pinned kc-worker to 50 concurrent downloads, 404 for everything else"

# A download slower than the idle timeout (2 s here) still completes: only a connection that
# stops moving is dropped (libevent 2.1 cut every reply longer than its timeout). The client reads
# steadily, 64 KiB every 20 ms with a small receive buffer, so the server always makes progress.
python3 - "$PORT" "$SCRATCH/slow" <<'PY' || fail "a steady download longer than --idle-timeout 2 was cut"
import socket, sys, time
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 65536)
s.connect(("127.0.0.1", int(sys.argv[1])))
s.sendall(b"GET /kc-worker/amd64 HTTP/1.1\r\nHost: x\r\n\r\n")
data, start = b"", time.monotonic()
while chunk := s.recv(65536):
    data += chunk
    time.sleep(0.02)
head, _, body = data.partition(b"\r\n\r\n")
length = int([l.split(b":")[1] for l in head.split(b"\r\n") if l.lower().startswith(b"content-length")][0])
open(sys.argv[2], "wb").write(body)
print(f"slow download: {len(body)} of {length} bytes in {time.monotonic() - start:.1f} s")
sys.exit(0 if len(body) == length and time.monotonic() - start > 3 else 1)
PY
[ "$(sha "$SCRATCH/slow")" = "$WORKER_SHA" ] || fail "the slow download differs"
# A client that connects and sends nothing is dropped after the idle timeout.
python3 - "$PORT" <<'PY' || fail "kc-serve kept an idle connection open past --idle-timeout 2"
import socket, sys, time
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
s.settimeout(15)
start = time.monotonic()
assert s.recv(1) == b"", "the server sent data to a client that asked nothing"
sys.exit(0 if 1.5 <= time.monotonic() - start <= 10 else 1)
PY
echo "kc-serve: a download slower than the idle timeout completes; an idle connection is dropped"

# --- Ignition user data ---
"$KC_LEADER" --root "$R" user-data --format ignition >"$SCRATCH/user-data.ign"
python3 - "$SCHEMA" "$SCRATCH/user-data.ign" "$WORKER_SHA" "$NEW" "$BASE" <<'PY'
import base64, json, sys
import jsonschema
schema_path, path, sha, token, base = sys.argv[1:]
config = json.load(open(path))
jsonschema.Draft202012Validator(json.load(open(schema_path))).validate(config)
assert config["ignition"]["version"] == "3.5.0", config["ignition"]
files = {f["path"]: f for f in config["storage"]["files"]}
worker = files["/opt/bin/kc-worker"]
assert worker["contents"]["verification"]["hash"] == "sha256-" + sha, worker
assert worker["mode"] == 0o755
assert worker["contents"]["source"] == "http://127.0.0.1:6444/kc-worker/amd64", worker
join = files["/etc/kc/join.json"]
assert join["mode"] == 0o600, join
source = join["contents"]["source"]
assert source.startswith("data:;base64,")
doc = json.loads(base64.b64decode(source[len("data:;base64,"):]))
assert doc["version"] == 1 and doc["token"] == token, doc
units = {u["name"]: u for u in config["systemd"]["units"]}
assert units["kc-worker.service"]["enabled"] is True
PY
echo "ignition: valid against the strict 3.5 schema, hash pinned, join file 0600, unit enabled"
# A config that breaks the schema is caught by the same check (the check can fail).
python3 - "$SCHEMA" <<'PY'
import json, sys, jsonschema
bad = {"ignition": {"version": "3.5.0"}, "storage": {"files": [{"path": "/x", "contnets": {}}]}}
try:
    jsonschema.Draft202012Validator(json.load(open(sys.argv[1]))).validate(bad)
except jsonschema.ValidationError:
    sys.exit(0)
sys.exit("the strict schema accepted a misspelt key")
PY

# --- shell user data, against kc-serve, in a scratch root ---
"$KC_LEADER" --root "$R" user-data --format shell \
  --worker-binary-url "$BASE/kc-worker/{arch}" >"$SCRATCH/user-data.sh"
bash -n "$SCRATCH/user-data.sh" || fail "the shell user data does not pass bash -n"
W=$SCRATCH/worker
mkdir -p "$W"
KC_ROOT=$W bash "$SCRATCH/user-data.sh" || fail "the shell user data failed"
[ "$(sha "$W/opt/bin/kc-worker")" = "$WORKER_SHA" ] || fail "the worker got another kc-worker"
[ "$(stat -c %a "$W/opt/bin/kc-worker")" = 755 ] || fail "kc-worker is not 0755"
[ "$(stat -c %a "$W/etc/kc/join.json")" = 600 ] || fail "the worker's join.json is not 0600"
cmp -s "$W/etc/kc/join.json" "$R/etc/kc/join.json" || fail "the worker's join file differs"
if [ "${KC_STATIC:-1}" = 1 ]; then  # the sanitizer build serves a truncated stand-in (above)
  "$W/opt/bin/kc-worker" --version >/dev/null || fail "the fetched kc-worker does not run"
fi
echo "shell: bash -n, fetched and verified kc-worker from kc-serve, join file 0600"

# A kc-worker that does not match its pin is refused and not installed.
sed "s/^sha256='.*'/sha256='$(printf '0%.0s' $(seq 64))'/" "$SCRATCH/user-data.sh" >"$SCRATCH/bad.sh"
W2=$SCRATCH/worker2
mkdir -p "$W2"
out=$(KC_ROOT=$W2 bash "$SCRATCH/bad.sh" 2>&1) && fail "a kc-worker with the wrong digest was accepted"
expect_match "$out" "does not have SHA-256" "the digest mismatch message"
[ ! -e "$W2/opt/bin/kc-worker" ] || fail "a mismatching kc-worker was installed"
[ -z "$(ls -A "$W2/opt/bin")" ] || fail "a temporary file was left: $(ls -A "$W2/opt/bin")"

for f in user-data.ign user-data.sh; do
  size=$(stat -c %s "$SCRATCH/$f")
  [ "$size" -lt 16384 ] || fail "$f is $size bytes, over EC2's 16 KB"
  echo "$f: $size bytes"
done
echo "PASS"
