#!/usr/bin/env bash
# "kc-leader addons apply" against the Kubernetes API server STAND-IN (tests/servers/
# kube_apiserver_standin.py: server-side apply with dryRun, no-op applies that write nothing,
# status set by the test or by its "auto-ready" mode playing the controllers, CSRs with their
# approval subresource, events). No real kube-apiserver can run here.
#   - a dry run applies nothing; the first run creates every object, each add-on in dependency
#     order, and waits until the stand-in reports everything ready; kc approves the leader's
#     real-shaped serving CSR (two DNS names and a public IP, issue 70) and not a worker's;
#   - a second run changes nothing; a changed --max-nodes reconfigures metrics-server alone;
#   - an object kc applied before and no longer ships is listed, not deleted;
#   - a wait that does not end names the object, its conditions, its last events and a hint;
#     a wait ends when the status arrives.
set -euo pipefail
# Debian's python3 for the stand-in and the state queries (a version manager's shim costs seconds).
PATH=/usr/bin:$PATH
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/kube_lib.sh"

PKI="$SCRATCH/pki"
ROOT="$SCRATCH/root"
make_kube_pki "$PKI"
STANDIN_ALLOW_USER="" start_standin "$PKI"
mkdir -p "$ROOT/etc/kubernetes"
write_kubeconfig "$ROOT/etc/kubernetes/admin.conf" "$API_URL" "$PKI/ca.pem" "$PKI/admin.pem" "$PKI/admin.key"

LEADER=ip-10-0-1-10.eu-west-1.compute.internal
WORKER=ip-10-0-2-20.eu-west-1.compute.internal
ctl '{"op":"put","nodes":[{"name":"'$LEADER'","control_plane":true,"ready":"True"}]}'
# What kubeadm made: the kube-system namespace and CoreDNS, available.
ctl '{"op":"object","key":"/namespaces//kube-system","object":{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"kube-system"}}}'
ctl '{"op":"object","key":"apps/deployments/kube-system/coredns","object":{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"coredns","namespace":"kube-system"},"status":{"conditions":[{"type":"Available","status":"True"}]}}}'

# The kubelets' serving CSRs, made by the real openssl in the shapes AWS nodes send.
csr() {  # NAME NODE SANS
  openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout /dev/null \
    -subj "/O=system:nodes/CN=system:node:$2" -addext "subjectAltName=$3" 2>/dev/null | base64 -w0 >"$SCRATCH/$1.b64"
  ctl '{"op":"csr","name":"'$1'","username":"system:node:'$2'","request":"'"$(cat "$SCRATCH/$1.b64")"'"}'
}
csr csr-leader "$LEADER" "DNS:ec2-54-1-2-3.eu-west-1.compute.amazonaws.com,DNS:$LEADER,IP:54.1.2.3,IP:10.0.1.10"
csr csr-worker "$WORKER" "DNS:$WORKER,IP:10.0.2.20"

APPLY=("$KC_LEADER" addons apply --root "$ROOT" --region eu-west-1 --vpc-cidr 10.0.0.0/16
  --node-name "$LEADER" --leader-name ec2-54-1-2-3.eu-west-1.compute.amazonaws.com
  --leader-name 54.1.2.3 --leader-name 10.0.1.10)
OBJECTS=$("$KC_LEADER" addons render --region eu-west-1 --vpc-cidr 10.0.0.0/16 | grep -c '^kind: ')

# Dry run: every object would be applied; nothing is written, no CSR approved.
out=$("${APPLY[@]}" --dry-run 2>&1) || fail "dry run failed: $out"
[ "$(grep -o 'would apply [A-Za-z]* [^ ;]* (new)' <<<"$out" | wc -l)" = "$OBJECTS" ] || fail "dry run: $out"
expect_match "$out" "would wait for the serving certificate of Node $LEADER approved \(now: CSR csr-leader pending; kc would approve it\)" "dry run wait"
[ "$(state 's["applied"] + s["approvals"]')" = "[]" ] || fail "dry run wrote: $(state 's["applied"]')"

# First run: created, in dependency order, then waited for (the stand-in plays the controllers).
ctl '{"op":"auto-ready"}'
out=$("${APPLY[@]}" --wait-timeout 30s 2>&1) || fail "first apply failed: $out"
[ "$(grep -o 'applied [A-Za-z]* [^ ;]* (created)' <<<"$out" | wc -l)" = "$OBJECTS" ] || fail "first run: $out"
[ "$(state 'len(s["applied"])')" = "$OBJECTS" ] || fail "first run applied: $(state 's["applied"]')"
pos() { state "[i for i, a in enumerate(s['applied']) if (a['kind'], a['name']) == ('$1', '$2')][0]"; }
[ "$(pos namespaces kube-flannel)" = 0 ] || fail "the namespace was not first: $(state 's["applied"][:3]')"
[ "$(pos serviceaccounts flannel)" -lt "$(pos daemonsets kube-flannel-ds)" ] || fail "flannel order"
[ "$(pos configmaps kube-flannel-cfg)" -lt "$(pos daemonsets kube-flannel-ds)" ] || fail "flannel config order"
[ "$(pos clusterrolebindings cluster-autoscaler)" -lt "$(pos deployments cluster-autoscaler)" ] || fail "autoscaler order"
[ "$(pos services metrics-server)" -lt "$(pos apiservices v1beta1.metrics.k8s.io)" ] || fail "metrics-server order"
[ "$(state 's["objects"]["/configmaps/kube-flannel/kube-flannel-cfg"]["data"]["net-conf.json"]')" != "" ] || fail "no flannel config"
state 'json.loads(s["objects"]["/configmaps/kube-flannel/kube-flannel-cfg"]["data"]["net-conf.json"])["Network"]' |
  grep -qx 10.244.0.0/16 || fail "flannel Network is not the pod subnet"
# The stand-in made the workloads ready as they were applied; the leader's CSR waited for kc.
expect_match "$out" "wait for the serving certificate of Node $LEADER approved \(ready after" "CSR wait"
if grep -q 'wait for DaemonSet' <<<"$out"; then fail "waited for a ready DaemonSet: $out"; fi
# The leader's CSR (public name and IP) approved by kc; the worker's left to the approver.
[ "$(state '[a["name"] for a in s["approvals"]]')" = "['csr-leader']" ] || fail "approvals: $(state 's["approvals"]')"
[ "$(state 's["approvals"][0]["conditions"][0]["reason"]')" = KcLeaderApproved ] || fail "approval reason"

# Second run: nothing to apply, nothing written, nothing to wait for.
out=$("${APPLY[@]}" 2>&1) || fail "second apply failed: $out"
[ "$(grep -c 'up to date' <<<"$out")" = 8 ] || fail "second run: $out"
if grep -q 'applied' <<<"$out"; then fail "second run applied: $out"; fi
[ "$(state 'len(s["applied"])')" = "$OBJECTS" ] || fail "second run wrote: $(state 's["applied"][-3:]')"

# A larger --max-nodes: metrics-server's Deployment alone is configured.
out=$("${APPLY[@]}" --max-nodes 300 2>&1) || fail "max-nodes apply failed: $out"
expect_match "$out" "applied Deployment kube-system/metrics-server \(configured: spec.template\)" "max-nodes"
[ "$(grep -c '^\[addons\] applied' <<<"$out")" = 1 ] || fail "max-nodes changed more: $out"
[ "$(state '[(a["kind"], a["name"]) for a in s["applied"][int('"$OBJECTS"'):]]')" = "[('deployments', 'metrics-server')]" ] ||
  fail "max-nodes applied: $(state 's["applied"][int('"$OBJECTS"'):]')"
[ "$(state 's["objects"]["apps/deployments/kube-system/metrics-server"]["spec"]["template"]["spec"]["containers"][0]["resources"]["requests"]')" = "{'cpu': '300m', 'memory': '600Mi'}" ] ||
  fail "metrics-server resources: $(state 's["objects"]["apps/deployments/kube-system/metrics-server"]["spec"]["template"]["spec"]["containers"][0]["resources"]')"

# An object kc shipped before and no longer does: named, left alone.
ctl '{"op":"object","key":"/configmaps/kube-system/kc-addons","object":{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"kc-addons","namespace":"kube-system"},"data":{"objects":"apps Deployment kube-system/old-addon\n"}}}'
out=$("${APPLY[@]}" --max-nodes 300 2>&1) || fail "stale apply failed: $out"
expect_match "$out" "no longer shipped: apps Deployment kube-system/old-addon \(kc applied it before and leaves it in place" "stale listing"

# A wait that does not end: the error names the object, its conditions, its events, a hint.
ctl '{"op":"status","key":"apps/deployments/kube-system/cluster-autoscaler","status":{"conditions":[{"type":"Available","status":"False","reason":"MinimumReplicasUnavailable","message":"Deployment does not have minimum availability."}]}}'
ctl '{"op":"event","namespace":"kube-system","name":"cluster-autoscaler","reason":"FailedCreate","message":"pods \"cluster-autoscaler-1\" is forbidden"}'
out=$("${APPLY[@]}" --max-nodes 300 --wait-timeout 2s 2>&1) && fail "a wait that never ends succeeded: $out"
expect_match "$out" "wait 2s for Deployment kube-system/cluster-autoscaler available" "timeout: what"
expect_match "$out" "Available=False; conditions: Available=False \(MinimumReplicasUnavailable: Deployment does not have minimum availability.\)" "timeout: conditions"
expect_match "$out" "last events: FailedCreate: pods \"cluster-autoscaler-1\" is forbidden" "timeout: events"
expect_match "$out" "kubectl -n kube-system logs deployment/cluster-autoscaler" "timeout: hint"

# The same wait ends as soon as the status arrives.
observed=$(state 'len(s["dry_runs"])')
"${APPLY[@]}" --max-nodes 300 --wait-timeout 30s >"$SCRATCH/late.out" 2>&1 &
late=$!
# Once kc has observed every object (a server dry run each) its wait has begun.
observed_all() { [ "$(state 'len(s["dry_runs"])')" -ge $((observed + OBJECTS)) ]; }
wait_for "kc observing the add-ons" 20 observed_all
sleep 1
ctl '{"op":"status","key":"apps/deployments/kube-system/cluster-autoscaler","status":{"conditions":[{"type":"Available","status":"True"}]}}'
wait "$late" || fail "the wait did not end when the status arrived: $(cat "$SCRATCH/late.out")"
expect_match "$(cat "$SCRATCH/late.out")" "wait for Deployment kube-system/cluster-autoscaler available \(ready after" "late wait"
echo "addons-apply: ok"
