#!/usr/bin/env bash
# kc-serve.service (the embedded unit's source, units/kc-serve.service, with the pin drop-in that
# kc-leader init writes) under a real systemd in the nspawn test bed: it starts (Type=notify)
# and `systemctl status` shows it active; it serves exactly the pinned kc-worker (digest checked
# here), 404 for every other path (no listing, no traversal), stays up under 50 concurrent
# downloads, restarts after it is killed (Restart=on-failure), and refuses to serve a kc-worker
# that is not the pinned one. The container has a private network: curl runs on the host in the
# container's network namespace (nsenter -n).
set -euo pipefail
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/testbed_lib.sh"

[ "${KC_STATIC:-0}" = 1 ] || skip "needs the static kc-leader (it runs inside the container)"
require_testbed
command -v curl >/dev/null || skip "curl is not installed"
NAME=kc-serve-$$
testbed_start "$NAME"
LEADER_PID=$("$TB" leader "$NAME")
net() { nsenter -t "$LEADER_PID" -n "$@"; }
sha() { sha256sum "$1" | cut -d' ' -f1; }

install -D -m 0755 "$KC_LEADER" "$ROOT/opt/bin/kc-leader"
install -D -m 0755 "$KC_WORKER" "$ROOT/var/lib/kc/serve/kc-worker-amd64"
WORKER_SHA=$(sha "$KC_WORKER")
install -D -m 0644 "$KC_SOURCE_ROOT/units/kc-serve.service" "$ROOT/etc/systemd/system/kc-serve.service"
mkdir -p "$ROOT/etc/systemd/system/kc-serve.service.d"
printf '[Service]\nEnvironment=KC_SERVE_PINS=--pin=amd64=%s\n' "$WORKER_SHA" \
  >"$ROOT/etc/systemd/system/kc-serve.service.d/10-pin.conf"
inside "$NAME" systemctl daemon-reload
timeout 30 "$TB" sh "$NAME" -- systemctl enable --now kc-serve.service >/dev/null 2>&1 ||
  fail "kc-serve did not start: $(inside "$NAME" journalctl -b -u kc-serve --no-pager | tail -20)"
[ "$(prop "$NAME" kc-serve.service ActiveState)" = active ] || fail "kc-serve is not active"
status=$(inside "$NAME" systemctl status kc-serve.service --no-pager 2>&1 || true)
expect_match "$status" "Active: active \(running\)" "systemctl status kc-serve"
expect_match "$status" "serving 1 file\(s\) on port 6444" "kc-serve's status line"

BASE=http://127.0.0.1:6444
net curl -fsS -o "$SCRATCH/kc-worker" "$BASE/kc-worker/amd64" || fail "could not download kc-worker"
[ "$(sha "$SCRATCH/kc-worker")" = "$WORKER_SHA" ] || fail "kc-serve served another kc-worker"
for path in / /kc-worker /kc-worker/ /kc-worker/arm64 /kc-worker/../kc-worker/amd64 \
  /var/lib/kc/serve/kc-worker-amd64 /etc/passwd /../../../etc/shadow /kc-worker/amd64/x; do
  c=$(net curl -s -o /dev/null -w '%{http_code}' --path-as-is "$BASE$path")
  [ "$c" = 404 ] || fail "GET $path: HTTP $c, expected 404"
done
mkdir -p "$SCRATCH/dl"
pids=()
for i in $(seq 50); do
  net curl -fsS -o "$SCRATCH/dl/$i" "$BASE/kc-worker/amd64" &
  pids+=($!)
done
for pid in "${pids[@]}"; do wait "$pid" || fail "a concurrent download failed"; done
for i in $(seq 50); do
  [ "$(sha "$SCRATCH/dl/$i")" = "$WORKER_SHA" ] || fail "concurrent download $i differs"
done
[ "$(prop "$NAME" kc-serve.service ActiveState)" = active ] || fail "kc-serve fell over under load"
echo "kc-serve: active, the pinned kc-worker to 50 concurrent downloads, 404 elsewhere"

# Restart=on-failure: killed, it comes back.
old_pid=$(prop "$NAME" kc-serve.service MainPID)
inside "$NAME" systemctl kill --signal=SIGKILL --kill-whom=main kc-serve.service
for _ in $(seq 100); do
  new_pid=$(prop "$NAME" kc-serve.service MainPID)
  [ "$new_pid" != 0 ] && [ "$new_pid" != "$old_pid" ] &&
    [ "$(prop "$NAME" kc-serve.service ActiveState)" = active ] && break
  sleep 0.1
done
[ "$new_pid" != 0 ] && [ "$new_pid" != "$old_pid" ] || fail "kc-serve was not restarted after SIGKILL"
[ "$(prop "$NAME" kc-serve.service NRestarts)" = 1 ] || fail "NRestarts is not 1"
net curl -fsS -o "$SCRATCH/again" "$BASE/kc-worker/amd64" || fail "no download after the restart"
[ "$(sha "$SCRATCH/again")" = "$WORKER_SHA" ] || fail "after the restart, another kc-worker"
echo "kc-serve: restarted after SIGKILL (Restart=on-failure)"

# A kc-worker that is not the pinned one is never served.
printf 'not the pinned kc-worker' >"$ROOT/var/lib/kc/serve/kc-worker-amd64"
inside "$NAME" systemctl restart kc-serve.service >/dev/null 2>&1 || true
sleep 0.5
c=$(net curl -s -o /dev/null -w '%{http_code}' "$BASE/kc-worker/amd64" || true)
[ "$c" != 200 ] || fail "kc-serve served a kc-worker that differs from its pin"
log=$(inside "$NAME" journalctl -b -u kc-serve --no-pager)
expect_match "$log" "not the pinned $WORKER_SHA" "the journal says why it refuses"
echo "kc-serve: refuses a kc-worker that is not the pinned one"
echo "PASS"
