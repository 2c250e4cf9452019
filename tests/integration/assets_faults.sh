#!/bin/bash
# kc-worker install against a fault-injecting HTTPS mirror (tests/servers/fault_server.py, a
# stand-in: real mirrors cannot be made to fail on cue): transient faults are retried and resumed,
# permanent ones fail fast with the documented error, unsafe tarballs, a full disk and kill -9
# leave nothing wrong at a final path, and a re-run succeeds once the fault is gone.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

make_test_ca "$SCRATCH/tls" localhost
python3 "$KC_SOURCE_ROOT/tests/servers/make_artifacts.py" "$SCRATCH/www" "$SCRATCH/cat"
PORT=$(free_port)
FAULTS="$SCRATCH/faults.json"
LOG="$SCRATCH/requests.log"
echo '{}' >"$FAULTS"
touch "$LOG"
python3 "$KC_SOURCE_ROOT/tests/servers/fault_server.py" "$PORT" "$SCRATCH/www" \
  "$SCRATCH/tls/server.pem" "$SCRATCH/tls/server.key" "$FAULTS" "$LOG" &
SERVER_PID=$!
on_exit "kill $SERVER_PID 2>/dev/null"
for i in $(seq 1 100); do (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null && break; sleep 0.05; done

ROOT="$SCRATCH/root"
K=/release/v1.36.3/bin/linux/amd64
CRICTL=/kubernetes-sigs/cri-tools/releases/download/v1.35.0/crictl-v1.35.0-linux-amd64.tar.gz
CNI=/containernetworking/plugins/releases/download/v1.9.1/cni-plugins-linux-amd64-v1.9.1.tgz
digest() { python3 -c "import json,sys; print(json.load(open('$SCRATCH/cat/digests.json'))[sys.argv[1]])" "$1"; }
install() {
  "$KC_WORKER" install --root "$ROOT" --catalog "${CATALOG:-$SCRATCH/cat/catalog.json}" \
    --mirror "https://localhost:$PORT" --ca-file "$SCRATCH/tls/ca.pem" \
    --kubernetes-version 1.36.3 --arch amd64 --retries 3 --stall-timeout "${STALL:-1}" "$@"
}
# run_install VAR ARGS...: runs install, stores its output in OUT and exit code in CODE.
run_install() {
  set +e
  OUT=$(install "$@" 2>&1)
  CODE=$?
  set -e
}
faults() { echo "$1" >"$FAULTS"; }
requests_for() { grep -c "GET $1 " "$LOG" || true; }
check_installed() {
  local f
  for f in kubeadm kubelet kubectl; do
    [ "$(sha256sum <"$ROOT/opt/bin/$f" | cut -d' ' -f1)" = "$(digest $f)" ] || fail "$f has the wrong content"
  done
  [ -x "$ROOT/opt/bin/crictl" ] || fail "crictl missing"
  for f in bridge host-local loopback; do [ -x "$ROOT/opt/cni/bin/$f" ] || fail "CNI $f missing"; done
  ! ls -A "$ROOT/opt/bin" "$ROOT/opt/cni/bin" | grep -q kc-tmp || fail "temporary files left behind"
}
# Nothing but complete, verified files at the final paths.
check_no_wrong_files() {
  local f name
  for f in kubeadm kubelet kubectl; do
    if [ -e "$ROOT/opt/bin/$f" ]; then
      [ "$(sha256sum <"$ROOT/opt/bin/$f" | cut -d' ' -f1)" = "$(digest $f)" ] || fail "wrong $f at its final path"
    fi
  done
}
reset_root() { rm -rf "$ROOT"; : >"$LOG"; faults '{}'; }

# 1. Transient faults, all at once: a reset and a truncated body (resumed with Range), 503 twice,
#    a resume the server answers with the whole file (started over) and a stalled body (aborted
#    and resumed). The install succeeds with correct files.
faults "{\"$K/kubeadm\": [\"reset\"], \"$K/kubectl\": [\"truncate\"], \"$K/kubelet\": [\"503\", \"503\"],
  \"$CRICTL\": [\"truncate\", \"norange\"], \"$CNI\": [\"stall\"]}"
run_install
[ "$CODE" = 0 ] || fail "install with transient faults failed ($CODE): $OUT"
check_installed
grep -q "GET $K/kubectl range=bytes=[1-9][0-9]*-[0-9]* " "$LOG" || fail "kubectl was not resumed with Range: $(cat "$LOG")"
grep -q "GET $K/kubeadm range=bytes=[1-9][0-9]*-[0-9]* " "$LOG" || fail "kubeadm was not resumed with Range"
[ "$(grep -c "GET $K/kubelet .*status=503" "$LOG")" = 2 ] || fail "kubelet's 503s were not retried"
grep -q "GET $CRICTL range=bytes=[1-9][0-9]*-[0-9]* fault=norange status=200" "$LOG" || fail "crictl resume not seen"
grep -q "GET $CNI range=bytes=[1-9][0-9]*-[0-9]* " "$LOG" || fail "the stalled CNI download was not resumed"

# 2. A 503 that does not go away: retried --retries times, then the documented error.
reset_root
faults "{\"$K/kubectl\": \"503\"}"
run_install
[ "$CODE" = 1 ] || fail "persistent 503 exited $CODE"
expect_match "$OUT" "download kubectl: https://localhost:$PORT$K/kubectl: gave up after 4 attempts; last: HTTP 503 \(nothing was installed for kubectl\)" "503 error"
[ "$(requests_for "$K/kubectl")" = 4 ] || fail "expected 4 requests for kubectl"
[ ! -e "$ROOT/opt/bin/kubectl" ] || fail "kubectl installed despite the error"
check_no_wrong_files
faults '{}'
run_install
[ "$CODE" = 0 ] || fail "re-run after the 503s failed: $OUT"
check_installed

# 3. 404 fails fast (one request), names artifact, URL and status; the others are installed.
reset_root
faults "{\"$K/kubelet\": \"404\"}"
run_install
[ "$CODE" = 1 ] || fail "404 exited $CODE"
expect_match "$OUT" "download kubelet: https://localhost:$PORT$K/kubelet: HTTP 404 \(nothing was installed for kubelet\)" "404 error"
[ "$(requests_for "$K/kubelet")" = 1 ] || fail "a 404 was retried"
[ ! -e "$ROOT/opt/bin/kubelet" ] || fail "kubelet installed despite a 404"
[ -x "$ROOT/opt/bin/kubeadm" ] || fail "kubeadm should be installed despite kubelet's 404"
faults '{}'
: >"$LOG"
run_install
[ "$CODE" = 0 ] || fail "re-run after the 404 failed: $OUT"
[ "$(wc -l <"$LOG")" -ge 1 ] && ! grep -q "GET $K/kubeadm" "$LOG" || fail "the re-run fetched kubeadm again"
check_installed

# 4. A wrong digest fails fast with both digests.
reset_root
faults "{\"$K/kubeadm\": \"corrupt\"}"
run_install
[ "$CODE" = 1 ] || fail "corrupt kubeadm exited $CODE"
expect_match "$OUT" "download kubeadm: https://localhost:$PORT$K/kubeadm: SHA-256 mismatch: expected $(digest kubeadm), got [0-9a-f]{64} \(nothing was installed for kubeadm\)" "digest error"
[ "$(requests_for "$K/kubeadm")" = 1 ] || fail "a digest mismatch was retried"
[ ! -e "$ROOT/opt/bin/kubeadm" ] || fail "kubeadm installed despite a digest mismatch"
faults '{}'
run_install
[ "$CODE" = 0 ] || fail "re-run after the wrong digest failed: $OUT"
check_installed

# 5. Tarballs with unsafe entries are refused whole: nothing of them is installed.
for evil in dotdot absolute symlink symlink-abs; do
  reset_root
  CATALOG="$SCRATCH/cat/catalog-evil-$evil.json" run_install
  [ "$CODE" = 1 ] || fail "evil tarball $evil exited $CODE: $OUT"
  case $evil in
    dotdot) expect_match "$OUT" "refused entry \"../escaped\": path contains \"..\"" "$evil" ;;
    absolute) expect_match "$OUT" "refused entry \"/tmp/kc-absolute-escape\": absolute path" "$evil" ;;
    symlink*) expect_match "$OUT" "refused symlink \"./evil\" -> \".*etc/passwd\": it points outside" "$evil" ;;
  esac
  expect_match "$OUT" "nothing was installed for cni-plugins" "$evil"
  [ -z "$(ls -A "$ROOT/opt/cni/bin")" ] || fail "$evil: files installed from a refused tarball: $(ls -A "$ROOT/opt/cni/bin")"
  [ ! -e "$ROOT/opt/cni/escaped" ] && [ ! -e /tmp/kc-absolute-escape ] || fail "$evil: a file escaped"
  [ -x "$ROOT/opt/bin/kubelet" ] || fail "$evil: the other artifacts should be installed"
  run_install
  [ "$CODE" = 0 ] || fail "re-run with the good catalog after $evil failed: $OUT"
  check_installed
done

# 6. A full disk: /opt/bin on a 4 MB tmpfs cannot take the 24 MB kubelet.
reset_root
mkdir -p "$ROOT/opt/bin"
if mount -t tmpfs -o size=4m kc-test-full "$ROOT/opt/bin" 2>/dev/null; then
  on_exit "umount '$ROOT/opt/bin' 2>/dev/null"
  run_install
  [ "$CODE" = 1 ] || fail "full disk exited $CODE: $OUT"
  expect_match "$OUT" "download kubelet: .*No space left on device \(nothing was installed for kubelet\)" "full disk"
  [ ! -e "$ROOT/opt/bin/kubelet" ] || fail "kubelet at its final path on a full disk"
  ! ls -A "$ROOT/opt/bin" | grep -q kc-tmp || fail "temporary files left on the full disk"
  check_no_wrong_files
  mount -o remount,size=64m "$ROOT/opt/bin"
  run_install
  [ "$CODE" = 0 ] || fail "re-run after freeing space failed: $OUT"
  check_installed
  umount "$ROOT/opt/bin"
else
  echo "note: cannot mount tmpfs here; full-disk case not run" >&2
fi

# 7. kill -9 in the middle of the downloads, then a re-run.
reset_root
faults "{\"$K/kubectl\": [\"stall\"]}"
"$KC_WORKER" install --root "$ROOT" --catalog "$SCRATCH/cat/catalog.json" \
  --mirror "https://localhost:$PORT" --ca-file "$SCRATCH/tls/ca.pem" --stall-timeout 60 \
  --kubernetes-version 1.36.3 --arch amd64 >/dev/null 2>&1 &
KC_PID=$!
for i in $(seq 1 200); do
  [ -e "$ROOT/opt/bin/kubelet" ] && ls -A "$ROOT/opt/bin" 2>/dev/null | grep -q '^\.kubectl\.kc-tmp' && break
  sleep 0.1
done
kill -9 "$KC_PID" || fail "kc finished before kill -9"
wait "$KC_PID" 2>/dev/null || true
ls -A "$ROOT/opt/bin" | grep -q '^\.kubectl\.kc-tmp' || fail "kill -9 came too late to test anything"
[ ! -e "$ROOT/opt/bin/kubectl" ] || fail "a partial kubectl at its final path after kill -9"
check_no_wrong_files
faults '{}'
run_install
[ "$CODE" = 0 ] || fail "re-run after kill -9 failed: $OUT"
check_installed
echo ok
