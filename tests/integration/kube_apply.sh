#!/usr/bin/env bash
# common/kube/kube_apply (through tests/tools/kc-apply-probe) against the API server STAND-IN
# (tests/servers/kube_apiserver_standin.py: server-side apply with dryRun, namespaces enforced,
# server defaults): objects of several kinds, cluster-scoped and namespaced, listed out of
# order, are created in dependency order; a re-run finds them unchanged by a server dry run and
# writes nothing; a changed object is configured alone; a dry run never writes.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/kube_lib.sh"

PKI="$SCRATCH/pki"
make_kube_pki "$PKI"
STANDIN_ALLOW_USER="" start_standin "$PKI"
write_kubeconfig "$SCRATCH/admin.conf" "$API_URL" "$PKI/ca.pem" "$PKI/admin.pem" "$PKI/admin.key"
APPLY=("$KC_APPLY_PROBE" --kubeconfig "$SCRATCH/admin.conf")

# Listed out of dependency order on purpose: the namespace comes after what lives in it.
manifest() {
  cat <<YAML
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: kc-test}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec: {serviceAccountName: runner, containers: [{name: web, image: "registry.k8s.io/pause:3.10"}]}
---
apiVersion: v1
kind: Service
metadata: {name: web, namespace: kc-test}
spec: {selector: {app: web}, ports: [{port: 80}]}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: settings, namespace: kc-test}
data: {mode: "$1"}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: kc-test-reader}
rules: [{apiGroups: [""], resources: [configmaps], verbs: [get]}]
---
apiVersion: v1
kind: ServiceAccount
metadata: {name: runner, namespace: kc-test}
---
apiVersion: v1
kind: Namespace
metadata: {name: kc-test}
YAML
}
manifest fast >"$SCRATCH/app.yaml"
ORDER="[('namespaces', ''), ('clusterroles', ''), ('serviceaccounts', 'kc-test'), ('configmaps', 'kc-test'), ('services', 'kc-test'), ('deployments', 'kc-test')]"

# A kind kc does not know: refused by name before anything is applied.
{ cat "$SCRATCH/app.yaml"; printf -- '---\napiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w}\n'; } >"$SCRATCH/widget.yaml"
out=$("${APPLY[@]}" "$SCRATCH/widget.yaml" 2>&1) && fail "applied an unknown kind"
expect_match "$out" "kind Widget" "unknown kind error"
[ "$(state 's["applied"] + s["dry_runs"]')" = "[]" ] || fail "wrote before refusing: $(state 's["applied"]')"

# Dry run: everything would be created; nothing is written.
out=$("${APPLY[@]}" --dry-run "$SCRATCH/app.yaml" 2>&1) || fail "dry run failed: $out"
[ "$(grep -c '^would create ' <<<"$out")" = 6 ] || fail "dry run: $out"
[ "$(state 's["applied"]')" = "[]" ] || fail "dry run applied $(state 's["applied"]')"

# First run: created, namespace first (the stand-in refuses objects in a missing namespace).
out=$("${APPLY[@]}" "$SCRATCH/app.yaml" 2>&1) || fail "apply failed: $out"
[ "$(grep -c '^created ' <<<"$out")" = 6 ] || fail "first run: $out"
expect_match "$out" "created ConfigMap kc-test/settings" "first run"
[ "$(state '[(a["kind"], a["namespace"]) for a in s["applied"]]')" = "$ORDER" ] ||
  fail "apply order: $(state 's["applied"]')"
[ "$(state 's["objects"]["/services/kc-test/web"]["spec"]["type"]')" = ClusterIP ] ||
  fail "the stand-in did not default the Service"

# Re-run: unchanged, decided by a server-side dry run per object, and nothing written, although
# the live objects carry server defaults the manifest does not have.
out=$("${APPLY[@]}" "$SCRATCH/app.yaml" 2>&1) || fail "re-run failed: $out"
[ "$(grep -c '^unchanged ' <<<"$out")" = 6 ] || fail "re-run: $out"
[ "$(state 'len(s["applied"])')" = 6 ] || fail "re-run wrote: $(state 's["applied"]')"
[ "$(state 'len(s["dry_runs"])')" = 6 ] || fail "re-run dry runs: $(state 's["dry_runs"]')"

# A change: only that object is configured, and the report names the field.
manifest slow >"$SCRATCH/app.yaml"
out=$("${APPLY[@]}" --dry-run "$SCRATCH/app.yaml" 2>&1) || fail "dry run after a change failed: $out"
expect_match "$out" "would configure ConfigMap kc-test/settings \(data.mode\)" "dry run after a change"
[ "$(grep -c '^unchanged ' <<<"$out")" = 5 ] || fail "dry run after a change: $out"
[ "$(state 'len(s["applied"])')" = 6 ] || fail "dry run wrote: $(state 's["applied"]')"
out=$("${APPLY[@]}" "$SCRATCH/app.yaml" 2>&1) || fail "apply after a change failed: $out"
expect_match "$out" "configured ConfigMap kc-test/settings \(data.mode\)" "apply after a change"
[ "$(grep -c '^unchanged ' <<<"$out")" = 5 ] || fail "apply after a change: $out"
[ "$(state '[(a["kind"], a["name"]) for a in s["applied"][6:]]')" = "[('configmaps', 'settings')]" ] ||
  fail "applied after a change: $(state 's["applied"][6:]')"
[ "$(state 's["objects"]["/configmaps/kc-test/settings"]["data"]')" = "{'mode': 'slow'}" ] ||
  fail "ConfigMap: $(state 's["objects"]["/configmaps/kc-test/settings"]')"
out=$("${APPLY[@]}" "$SCRATCH/app.yaml" 2>&1) || fail "converged re-run failed: $out"
[ "$(grep -c '^unchanged ' <<<"$out")" = 6 ] || fail "converged re-run: $out"

# An object in a namespace that nobody creates: the server's error, named.
printf 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: lost, namespace: nowhere}\n' >"$SCRATCH/lost.yaml"
out=$("${APPLY[@]}" "$SCRATCH/lost.yaml" 2>&1) && fail "applied into a missing namespace"
expect_match "$out" 'apply ConfigMap nowhere/lost: .*namespaces "nowhere" not found' "missing namespace error"

# Credentials that may not write: the server's 403, named.
write_kubeconfig "$SCRATCH/user.conf" "$API_URL" "$PKI/ca.pem" "$PKI/client.pem" "$PKI/client.key"
out=$("$KC_APPLY_PROBE" --kubeconfig "$SCRATCH/user.conf" "$SCRATCH/app.yaml" 2>&1) && fail "a plain user applied"
expect_match "$out" "read Namespace kc-test: .*HTTP 403" "forbidden error"
echo "kube-apply: ok"
