#!/usr/bin/env bash
# kc-leader cleanup against a STAND-IN Kubernetes API server (tests/servers/
# kube_apiserver_standin.py; no real kube-apiserver can run here). Real OpenSSL certificates,
# real mutual TLS. Covers which nodes are deleted and which never are, the cap per sweep, the UID
# precondition, dry run, injected faults, the server going away and coming back, sd_notify
# READY/STATUS/STOPPING (on a notify socket on the host) and SIGTERM.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/kube_lib.sh"

PKI="$SCRATCH/pki"
make_kube_pki "$PKI"
start_standin "$PKI" --stall-seconds 4
KUBECONFIG_FILE="$SCRATCH/kc-cleanup.kubeconfig"
write_kubeconfig "$KUBECONFIG_FILE" "$API_URL" "$PKI/ca.pem" "$PKI/client.pem" "$PKI/client.key"
LEADER=("$KC_LEADER" cleanup --kubeconfig "$KUBECONFIG_FILE")

TAINTS='["ToBeDeletedByClusterAutoscaler","node.kubernetes.io/unreachable"]'
ctl '{"op":"put","nodes":[
  {"name":"doomed-1","ready":"Unknown","ready_for":3000,"taints":'"$TAINTS"'},
  {"name":"doomed-2","ready":"Unknown","ready_for":2000,"taints":'"$TAINTS"'},
  {"name":"doomed-3","ready":"Unknown","ready_for":1000,"taints":'"$TAINTS"'},
  {"name":"ready-but-tainted","ready":"True","taints":'"$TAINTS"'},
  {"name":"notready-tainted","ready":"False","ready_for":3000,"taints":'"$TAINTS"'},
  {"name":"fresh-unknown","ready":"Unknown","ready_for":60,"taints":'"$TAINTS"'},
  {"name":"control-plane","control_plane":true,"ready":"Unknown","ready_for":3000,"taints":'"$TAINTS"'},
  {"name":"only-autoscaler-taint","ready":"Unknown","ready_for":3000,"taints":["ToBeDeletedByClusterAutoscaler"]},
  {"name":"only-unreachable-taint","ready":"Unknown","ready_for":3000,"taints":["node.kubernetes.io/unreachable"]},
  {"name":"healthy-1"},{"name":"healthy-2"},{"name":"healthy-3"}]}'

deleted() { state '" ".join(sorted(d["name"] for d in s["deleted"]))'; }
present() { state '" ".join(s["nodes"])'; }

# --- bad configuration ends it at start-up, with the thing named ---------------------------------
out=$("${LEADER[@]:0:2}" --kubeconfig "$SCRATCH/missing.kubeconfig" --once 2>&1) && fail "missing kubeconfig accepted"
expect_match "$out" "missing.kubeconfig" "missing kubeconfig error"
expect_exit 2 "$KC_LEADER" cleanup --kubeconfig "$KUBECONFIG_FILE" --grace 5 --once
expect_exit 2 "$KC_LEADER" cleanup --kubeconfig "$KUBECONFIG_FILE" --max-deletions 0 --once
sed 's/^    server:/    insecure-skip-tls-verify: true\n    server:/' "$KUBECONFIG_FILE" >"$SCRATCH/insecure.kubeconfig"
out=$("$KC_LEADER" cleanup --kubeconfig "$SCRATCH/insecure.kubeconfig" --once 2>&1) && fail "insecure kubeconfig accepted"
expect_match "$out" "insecure-skip-tls-verify" "insecure kubeconfig error"
write_kubeconfig "$SCRATCH/mismatch.kubeconfig" "$API_URL" "$PKI/ca.pem" "$PKI/client.pem" "$PKI/rogue.key"
out=$("$KC_LEADER" cleanup --kubeconfig "$SCRATCH/mismatch.kubeconfig" --once 2>&1) && fail "mismatched key accepted"
expect_match "$out" "does not match" "mismatched key error"
[[ "$out" != *PRIVATE* && "$out" != *BEGIN* ]] || fail "key material logged"

# --- mutual TLS: a client certificate from another CA, or a server not signed by the CA ----------
# (The stand-in, as the API server, answers 401 without a client certificate.)
code=$(curl -s -o /dev/null -w '%{http_code}' --cacert "$PKI/ca.pem" "$API_URL/api/v1/nodes")
[ "$code" = 401 ] || fail "the stand-in answered $code without a client certificate"
write_kubeconfig "$SCRATCH/rogue.kubeconfig" "$API_URL" "$PKI/ca.pem" "$PKI/rogue.pem" "$PKI/rogue.key"
expect_exit 1 "$KC_LEADER" cleanup --kubeconfig "$SCRATCH/rogue.kubeconfig" --once
write_kubeconfig "$SCRATCH/wrongca.kubeconfig" "$API_URL" "$PKI/rogue.pem" "$PKI/client.pem" "$PKI/client.key"
out=$("$KC_LEADER" cleanup --kubeconfig "$SCRATCH/wrongca.kubeconfig" --once 2>&1) && fail "unverified server accepted"
expect_match "$out" "(certificate|SSL)" "server verification error"
[ -z "$(deleted)" ] || fail "nodes deleted with bad credentials: $(deleted)"
# The flag form works as the kubeconfig does (with --dry-run: nothing deleted).
"$KC_LEADER" cleanup --server "$API_URL" --certificate-authority "$PKI/ca.pem" \
  --client-certificate "$PKI/client.pem" --client-key "$PKI/client.key" --once --dry-run \
  >"$SCRATCH/flags.log" 2>&1 || fail "flag form failed: $(cat "$SCRATCH/flags.log")"

# --- dry run: logs what it would delete, deletes nothing -----------------------------------------
"${LEADER[@]}" --once --dry-run --page-size 2 >"$SCRATCH/dry.log" 2>&1 || fail "dry run failed: $(cat "$SCRATCH/dry.log")"
[ "$(grep -c 'would delete node' "$SCRATCH/dry.log")" = 3 ] || fail "dry run: $(cat "$SCRATCH/dry.log")"
[ -z "$(deleted)" ] || fail "dry run deleted $(deleted)"
[ "$(state 's["requests"]["list"]')" -ge 6 ] || fail "--page-size 2 did not paginate"

# --- the cap per sweep, longest-Unknown first; then the rest; never the guarded ones -------------
"${LEADER[@]}" --once --max-deletions 2 >"$SCRATCH/once1.log" 2>&1 || fail "sweep failed: $(cat "$SCRATCH/once1.log")"
[ "$(deleted)" = "doomed-1 doomed-2" ] || fail "capped sweep deleted '$(deleted)'"
grep -q 'deleted node doomed-1 (uid .*): tainted ToBeDeletedByClusterAutoscaler and node.kubernetes.io/unreachable, Ready Unknown since' \
  "$SCRATCH/once1.log" || fail "deletion not logged with its reason: $(cat "$SCRATCH/once1.log")"
grep -q '1 more nodes meet the rule' "$SCRATCH/once1.log" || fail "cap not logged"
"${LEADER[@]}" --once >"$SCRATCH/once2.log" 2>&1 || fail "second sweep failed"
[ "$(deleted)" = "doomed-1 doomed-2 doomed-3" ] || fail "deleted '$(deleted)'"
[ "$(state 'set(d["user"] for d in s["deleted"])')" = "{'kc-cleanup'}" ] || fail "deleted as another user"
for n in ready-but-tainted notready-tainted fresh-unknown control-plane only-autoscaler-taint \
  only-unreachable-taint healthy-1; do
  [[ " $(present) " == *" $n "* ]] || fail "$n was deleted"
done

# --- the UID precondition: a node re-registered under the same name is never deleted -------------
ctl '{"op":"put","nodes":[{"name":"reborn","ready":"Unknown","ready_for":3000,"taints":'"$TAINTS"'}]}'
old_uid=$(state 's["uids"]["reborn"]')
ctl '{"op":"reregister-on-delete","name":"reborn"}'
"${LEADER[@]}" --once >"$SCRATCH/once3.log" 2>&1 || fail "sweep failed: $(cat "$SCRATCH/once3.log")"
[[ " $(present) " == *" reborn "* ]] || fail "the re-registered node was deleted"
[ "$(state 's["uids"]["reborn"]')" != "$old_uid" ] || fail "the stand-in did not re-register"
grep -q 're-registered' "$SCRATCH/once3.log" || fail "UID conflict not logged: $(cat "$SCRATCH/once3.log")"

# --- the resourceVersion precondition: a node that changed after it was judged is not deleted ----
ctl '{"op":"put","nodes":[{"name":"revived","ready":"Unknown","ready_for":3000,"taints":'"$TAINTS"'}]}'
ctl '{"op":"update-on-delete","name":"revived","spec":{"ready":"True","taints":[]}}'
"${LEADER[@]}" --once >"$SCRATCH/once4.log" 2>&1 || fail "sweep failed: $(cat "$SCRATCH/once4.log")"
[[ " $(present) " == *" revived "* ]] || fail "the node that turned Ready was deleted"
[ "$(state '[r["name"] for r in s["rejected"] if "resourceVersion" in r]')" = "['revived']" ] ||
  fail "no resourceVersion precondition reached the stand-in: $(state 's["rejected"]')"
grep -q 'did not delete node revived: it changed after it was judged' "$SCRATCH/once4.log" ||
  fail "version conflict not logged: $(cat "$SCRATCH/once4.log")"
"${LEADER[@]}" --once >"$SCRATCH/once5.log" 2>&1 || fail "sweep failed: $(cat "$SCRATCH/once5.log")"
[[ " $(present) " == *" revived "* ]] || fail "the Ready node was deleted when judged again"
ctl '{"op":"remove","name":"revived"}'  # the daemon's checks below count the nodes before it

# --- the daemon: READY, STATUS, events, faults, the server going away, SIGTERM ------------------
NOTIFY="$SCRATCH/notify.sock"
python3 "$KC_SOURCE_ROOT/tests/servers/notify_receiver.py" "$NOTIFY" "$SCRATCH/notify.log" &
on_exit "kill $! 2>/dev/null"
wait_for "notify receiver" 5 grep -q LISTENING "$SCRATCH/notify.log"
ctl '{"op":"bookmark-interval","seconds":1}'
NOTIFY_SOCKET="$NOTIFY" WATCHDOG_USEC=2000000 \
  "${LEADER[@]}" --grace 3s --interval 1s --backoff-max 1s --request-timeout 2s --log-level debug \
  >"$SCRATCH/daemon.log" 2>&1 &
DAEMON=$!
on_exit "kill $DAEMON 2>/dev/null"
alive() { kill -0 "$DAEMON" 2>/dev/null || fail "the daemon exited: $(tail -20 "$SCRATCH/daemon.log")"; }
wait_for "READY=1" 10 grep -q '^READY=1' "$SCRATCH/notify.log"
# With --grace 3s, fresh-unknown (Unknown for a minute) is past its grace period now.
wait_for "STATUS with the node count" 5 grep -q '^STATUS=watching 9 nodes, 0 candidates, 1 removed since start, last sweep' "$SCRATCH/notify.log"
is_deleted() { [[ " $(deleted) " == *" $1 "* ]]; }
is_deleted fresh-unknown || fail "fresh-unknown is past a 3 s grace period but was not deleted"
wait_for "WATCHDOG=1" 5 grep -q '^WATCHDOG=1' "$SCRATCH/notify.log"

# A node scaled away while the daemon watches: deleted once its grace period (3 s) is over.
put_time=$(date +%s.%N)
ctl '{"op":"put","nodes":[{"name":"late","ready":"Unknown","ready_for":0,"taints":'"$TAINTS"'}]}'
wait_for "late deleted" 15 is_deleted late
# lastTransitionTime has whole seconds, so the grace period ends 3 s after the second it fell in.
deleted_at=$(state '[d["time"] for d in s["deleted"] if d["name"]=="late"][0]')
waited=$(awk -v d="$deleted_at" -v t="$put_time" 'BEGIN { printf "%.2f", d - t }')
awk -v d="$deleted_at" -v t="$put_time" 'BEGIN { exit !(d >= int(t) + 3) }' ||
  fail "late was deleted ${waited}s after it went Unknown, inside its 3 s grace period"
awk -v w="$waited" 'BEGIN { exit !(w <= 6) }' || fail "late was deleted only ${waited}s after it went Unknown"
wait_for "STATUS counts the removal" 5 grep -q 'STATUS=watching 9 nodes, 0 candidates, 2 removed since start' "$SCRATCH/notify.log"

# Faults: 500s and a truncated and a malformed list, a reset and a stalled list, a malformed
# watch stream, 410 Gone (as an ERROR event and as a status), a compaction. It keeps going.
ctl '[{"op":"fault","target":"watch","kind":"malformed"},{"op":"fault","target":"watch","kind":"410"},
      {"op":"fault","target":"watch","kind":"410http"},{"op":"fault","target":"watch","kind":"truncate"},
      {"op":"fault","target":"watch","kind":"reset"},
      {"op":"fault","target":"list","kind":"500"},{"op":"fault","target":"list","kind":"truncate"},
      {"op":"fault","target":"list","kind":"malformed"},{"op":"fault","target":"list","kind":"reset"},
      {"op":"fault","target":"list","kind":"stall"},{"op":"compact"},{"op":"heartbeat"},{"op":"drop-watches"}]'
faults_used() { [ "$(state 'sum(f["count"] for f in s["faults"])')" = 0 ]; }
wait_for "every fault injected" 40 faults_used
alive
grep -q 'last error at' "$SCRATCH/notify.log" || fail "STATUS never showed the last error"
ctl '{"op":"fault","target":"delete","kind":"500","count":2}'
ctl '{"op":"put","nodes":[{"name":"after-faults","ready":"Unknown","ready_for":3000,"taints":'"$TAINTS"'}]}'
wait_for "after-faults deleted" 20 is_deleted after-faults
grep -q 'HTTP 500' "$SCRATCH/daemon.log" || fail "the delete 500 was not logged"
alive

# The API server goes away, and comes back with a node to remove.
stop_standin
wait_for "STATUS with a connection error" 15 grep -qE 'STATUS=.*last error at .*(connect|Connection|reset|refused)' "$SCRATCH/notify.log"
sleep 2
alive
printf '[{"name":"while-away","ready":"Unknown","ready_for":3000,"taints":%s},{"name":"healthy-9"}]' "$TAINTS" \
  >"$SCRATCH/back.json"
start_standin "$PKI" --fixtures "$SCRATCH/back.json"
wait_for "while-away deleted after the server came back" 20 is_deleted while-away
wait_for "STATUS after the server came back" 10 grep -q 'STATUS=watching 1 nodes, 0 candidates, 4 removed since start' "$SCRATCH/notify.log"
alive
grep -q 'BEGIN' "$SCRATCH/daemon.log" && fail "PEM material in the log"

# SIGTERM: STOPPING=1 and exit 0 within a second.
start=$(date +%s%N)
kill -TERM "$DAEMON"
rc=0
for _ in $(seq 1 20); do kill -0 "$DAEMON" 2>/dev/null || break; sleep 0.05; done
wait "$DAEMON" || rc=$?
ms=$((($(date +%s%N) - start) / 1000000))
[ "$rc" = 0 ] || fail "exit code $rc after SIGTERM"
[ "$ms" -le 1000 ] || fail "took ${ms} ms to stop after SIGTERM"
grep -q '^STOPPING=1' "$SCRATCH/notify.log" || fail "no STOPPING=1"
echo "cleanup: ok (stopped ${ms} ms after SIGTERM; late deleted ${waited}s after it went Unknown)"
