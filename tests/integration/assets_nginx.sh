#!/bin/bash
# kc-worker install against a real nginx (Debian's) serving synthetic artifacts over HTTPS with a
# test CA, Range supported: install, idempotent re-run, damage detection, mirror, dry run, lock,
# unpinned versions, and a proxy (a CONNECT proxy stand-in, tests/servers/connect_proxy.py).
set -euo pipefail
source "$(dirname "$0")/lib.sh"

make_test_ca "$SCRATCH/tls" localhost
python3 "$KC_SOURCE_ROOT/tests/servers/make_artifacts.py" "$SCRATCH/www" "$SCRATCH/cat"
start_nginx "$SCRATCH/www" "$SCRATCH/tls"
MIRROR="https://localhost:$NGINX_PORT"
ROOT="$SCRATCH/root"
digest() { python3 -c "import json,sys; print(json.load(open('$SCRATCH/cat/digests.json'))[sys.argv[1]])" "$1"; }
install() {
  "$KC_WORKER" install --root "$ROOT" --catalog "${CATALOG:-$SCRATCH/cat/catalog.json}" --mirror "$MIRROR" \
    --ca-file "$SCRATCH/tls/ca.pem" --kubernetes-version 1.36.3 --arch amd64 "$@"
}
check_installed() {
  local f
  for f in kubeadm kubelet kubectl; do
    [ "$(sha256sum <"$ROOT/opt/bin/$f" | cut -d' ' -f1)" = "$(digest $f)" ] || fail "$f has the wrong content"
    [ "$(stat -c %a "$ROOT/opt/bin/$f")" = 755 ] || fail "$f is not mode 0755"
  done
  cmp -s "$ROOT/opt/bin/kubelet" "$SCRATCH/www/release/v1.36.3/bin/linux/amd64/kubelet" || fail "kubelet differs"
  for f in crictl; do [ -x "$ROOT/opt/bin/$f" ] || fail "$f missing"; done
  for f in bridge host-local loopback LICENSE; do
    [ "$(stat -c %a "$ROOT/opt/cni/bin/$f")" = 755 ] || fail "CNI $f missing or not 0755"
  done
  ! ls -A "$ROOT/opt/bin" "$ROOT/opt/cni/bin" | grep -q kc-tmp || fail "temporary files left behind"
}

# Dry run: lists what it would do and changes nothing.
out=$(install --dry-run 2>&1) || fail "dry run failed: $out"
expect_match "$out" "would download, verify and install" "dry run"
expect_match "$out" "kubelet 1.36.3 \(amd64, binary\) from $MIRROR/release/v1.36.3/bin/linux/amd64/kubelet to /opt/bin" "dry run lists kubelet"
[ ! -e "$ROOT" ] || [ -z "$(find "$ROOT" -type f)" ] || fail "dry run wrote files: $(find "$ROOT" -type f)"

# First install: everything downloaded (kubelet in ranged segments), verified and in place.
out=$(install 2>&1) || fail "install failed: $out"
expect_match "$out" "installed kubeadm 1.36.3, kubelet 1.36.3, kubectl 1.36.3, crictl 1.35.0, cni-plugins 1.9.1" "install summary"
check_installed
[ -s "$ROOT/var/lib/kc/assets.json" ] || fail "no state file"
grep -q '"source": "https://localhost' "$ROOT/var/lib/kc/assets.json" || fail "state file lacks the source"
grep -q 'Range: bytes\|" 206 ' "$SCRATCH/nginx/access.log" || fail "kubelet was not fetched in ranged segments: $(cat "$SCRATCH/nginx/access.log")"

# Re-run with everything in place: no request reaches the server, nothing changes.
requests=$(wc -l <"$SCRATCH/nginx/access.log")
out=$(install 2>&1) || fail "re-run failed: $out"
expect_match "$out" "up to date" "re-run"
expect_match "$out" "0 step\(s\) changed the host, 1 already in place" "re-run changes nothing"
[ "$(wc -l <"$SCRATCH/nginx/access.log")" = "$requests" ] || fail "the re-run downloaded something"

# A damaged file (same size, rewritten in place) and a replaced one are detected and reinstalled.
printf 'XXXX' | dd of="$ROOT/opt/bin/kubectl" bs=1 seek=100 conv=notrunc status=none
echo "not the CNI bridge" >"$ROOT/opt/cni/bin/bridge.new" && chmod 755 "$ROOT/opt/cni/bin/bridge.new"
mv "$ROOT/opt/cni/bin/bridge.new" "$ROOT/opt/cni/bin/bridge"
out=$(install 2>&1) || fail "repair failed: $out"
expect_match "$out" "installed kubectl 1.36.3, cni-plugins 1.9.1 " "only the damaged artifacts are reinstalled"
check_installed

# A deleted binary with the state intact, and a lost state file with the binaries intact.
rm "$ROOT/opt/bin/kubeadm"
out=$(install 2>&1) || fail "reinstall failed: $out"
expect_match "$out" "installed kubeadm 1.36.3 " "deleted kubeadm is reinstalled"
rm "$ROOT/var/lib/kc/assets.json"
requests=$(wc -l <"$SCRATCH/nginx/access.log")
out=$(install 2>&1) || fail "run without state failed: $out"
# Binaries with the pinned digest are adopted; tarballs are fetched again.
[ "$(($(wc -l <"$SCRATCH/nginx/access.log") - requests))" = 2 ] || fail "expected only the 2 tarballs to be fetched again"
check_installed

# Re-run timing is a benchmark matter; here only that it does not hash: --verify-installed does.
chmod 700 "$ROOT/opt/bin/kubelet"  # changes ctime: the stat no longer matches, so kc hashes it
out=$(install 2>&1) || fail "re-run after chmod failed: $out"
expect_match "$out" "installed kubelet" "a file with the wrong mode is reinstalled"
check_installed
out=$(install --verify-installed 2>&1) || fail "--verify-installed failed: $out"
expect_match "$out" "up to date" "--verify-installed with intact files"

# Lock: a second kc while one holds /run/kc.lock exits 3 with a clear message, changing nothing.
exec 9>"$ROOT/run/kc.lock"
flock -n 9 || fail "could not take the lock in the test"
echo 4242 >&9
set +e
out=$(install 2>&1); code=$?
set -e
exec 9>&-
[ "$code" = 3 ] || fail "install with the lock held exited $code, expected 3: $out"
expect_match "$out" "another kc .*holds the lock .*/run/kc.lock; nothing was changed" "lock message"

# An unpinned version is refused, then allowed with --allow-unpinned (checked against .sha256).
rm -rf "$ROOT/opt/bin" "$ROOT/var/lib/kc"
set +e
out=$(CATALOG="$SCRATCH/cat/catalog-unpinned.json" install 2>&1); code=$?
set -e
[ "$code" = 1 ] || fail "unpinned install exited $code: $out"
expect_match "$out" "no pinned SHA-256 digest.*--allow-unpinned" "unpinned refusal"
[ ! -e "$ROOT/opt/bin/kubeadm" ] || fail "unpinned refusal installed something"
out=$(CATALOG="$SCRATCH/cat/catalog-unpinned.json" install --allow-unpinned 2>&1) || fail "--allow-unpinned failed: $out"
expect_match "$out" "weaker check" "unpinned warning"
check_installed
# A published digest that does not match the file fails it.
echo "0000000000000000000000000000000000000000000000000000000000000000  kubectl" \
  >"$SCRATCH/www/release/v1.36.3/bin/linux/amd64/kubectl.sha256"
rm "$ROOT/opt/bin/kubectl"
set +e
out=$(CATALOG="$SCRATCH/cat/catalog-unpinned.json" install --allow-unpinned 2>&1); code=$?
set -e
[ "$code" = 1 ] || fail "mismatching published digest exited $code"
expect_match "$out" "SHA-256 mismatch: expected 0000" "published digest mismatch"
[ ! -e "$ROOT/opt/bin/kubectl" ] || fail "kubectl installed despite a digest mismatch"

# A --config file takes the same keys as the flags, under the command's name.
cat >"$SCRATCH/worker.json" <<JSON
{"dry-run": true, "install": {"catalog": "$SCRATCH/cat/catalog.json", "mirror": "https://mirror.test:8443/k8s",
 "ca-file": "$SCRATCH/tls/ca.pem", "kubernetes-version": "1.36.3", "arch": "amd64", "max-connections": 4}}
JSON
out=$("$KC_WORKER" --config "$SCRATCH/worker.json" install --root "$SCRATCH/config-root" 2>&1) || fail "--config run failed: $out"
expect_match "$out" "from https://mirror.test:8443/k8s/release/v1.36.3/bin/linux/amd64/kubelet to /opt/bin" "--config keys"
[ ! -e "$SCRATCH/config-root" ] || fail "the --config dry run changed the host"
expect_exit 2 "$KC_WORKER" install --root "$SCRATCH/config-root" --mirror ftp://x
expect_exit 2 "$KC_WORKER" install --root "$SCRATCH/config-root" --max-connections 0

# fetch: -o is a file of the operator's, so --root is refused; --dry-run verifies, writes nothing.
KUBELET_URL="$MIRROR/release/v1.36.3/bin/linux/amd64/kubelet"
mkdir -p "$SCRATCH/fetched"
expect_exit 2 "$KC_WORKER" fetch "$KUBELET_URL" -o "$SCRATCH/fetched/kubelet" --root "$SCRATCH/r"
expect_exit 2 "$KC_LEADER" --root "$SCRATCH/r" fetch "$KUBELET_URL" -o "$SCRATCH/fetched/kubelet"
err=$("$KC_WORKER" fetch "$KUBELET_URL" -o "$SCRATCH/fetched/kubelet" --root "$SCRATCH/r" 2>&1 || true)
expect_match "$err" "--root does not apply" "fetch --root refusal"
out=$("$KC_WORKER" --dry-run fetch "$KUBELET_URL" -o "$SCRATCH/fetched/kubelet" \
  --ca-file "$SCRATCH/tls/ca.pem" --sha256 "$(digest kubelet)" 2>&1) || fail "fetch --dry-run failed: $out"
expect_match "$out" "dry run: fetched .*would write $SCRATCH/fetched/kubelet" "fetch --dry-run"
[ -z "$(ls -A "$SCRATCH/fetched")" ] || fail "fetch --dry-run wrote: $(ls -A "$SCRATCH/fetched")"
(cd "$SCRATCH/fetched" && "$KC_WORKER" fetch "$KUBELET_URL" -o kubelet --ca-file "$SCRATCH/tls/ca.pem" \
  --sha256 "$(digest kubelet)" >/dev/null 2>&1) || fail "fetch to a relative -o failed"
cmp -s "$SCRATCH/fetched/kubelet" "$SCRATCH/www/release/v1.36.3/bin/linux/amd64/kubelet" || fail "fetched kubelet differs"
set +e
out=$("$KC_WORKER" fetch "$KUBELET_URL" -o "$SCRATCH/fetched/other" --ca-file "$SCRATCH/tls/ca.pem" \
  --sha256 "$(printf '0%.0s' $(seq 64))" 2>&1); code=$?
set -e
[ "$code" = 1 ] || fail "fetch with a wrong digest exited $code: $out"
expect_match "$out" "SHA-256 mismatch.*nothing was written to $SCRATCH/fetched/other" "fetch digest mismatch"
[ "$(ls -A "$SCRATCH/fetched")" = kubelet ] || fail "a failed fetch left files: $(ls -A "$SCRATCH/fetched")"

# https_proxy is honoured: every request goes through the proxy when it is set.
rm -rf "$ROOT"
PROXY_PORT=$(free_port)
python3 "$KC_SOURCE_ROOT/tests/servers/connect_proxy.py" "$PROXY_PORT" "$SCRATCH/proxy.log" &
PROXY_PID=$!
on_exit "kill $PROXY_PID 2>/dev/null"
for i in $(seq 1 50); do (exec 3<>"/dev/tcp/127.0.0.1/$PROXY_PORT") 2>/dev/null && break; sleep 0.1; done
out=$(https_proxy="http://127.0.0.1:$PROXY_PORT" no_proxy="" install 2>&1) || fail "install through the proxy failed: $out"
check_installed
grep -q "CONNECT localhost:$NGINX_PORT" "$SCRATCH/proxy.log" || fail "the proxy saw no CONNECT"
echo "ok"
