#!/usr/bin/env bash
# kc-leader cleanup-credentials with the real OpenSSL: a client certificate for kc-cleanup signed
# by the cluster CA under --root, a kubeconfig (0600) that the API server STAND-IN
# (tests/servers/kube_apiserver_standin.py, with its RBAC authorizer: kc-cleanup may do nothing
# until its ClusterRoleBinding exists) accepts, the RBAC manifest applied with the admin's
# credentials; converging on re-runs.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/kube_lib.sh"

PKI="$SCRATCH/pki"
make_kube_pki "$PKI"
ROOT="$SCRATCH/root"
mkdir -p "$ROOT/etc/kubernetes/pki"
cp "$PKI/ca.pem" "$ROOT/etc/kubernetes/pki/ca.crt"
cp "$PKI/ca.key" "$ROOT/etc/kubernetes/pki/ca.key"
STANDIN_ALLOW_USER="" start_standin "$PKI" --rbac
KCFG="$ROOT/etc/kc/kc-cleanup.kubeconfig"
CREDS=("$KC_LEADER" cleanup-credentials --root "$ROOT")
client_cert() { grep 'client-certificate-data:' "$KCFG" | awk '{print $2}' | base64 -d; }

# Without admin.conf and --server it cannot know the server: a clear error, nothing written.
out=$("${CREDS[@]}" 2>&1) && fail "ran without a server"
expect_match "$out" "admin.conf" "missing server error"
[ ! -e "$KCFG" ] || fail "kubeconfig written after an error"

# The server comes from admin.conf (as kubeadm writes it).
write_kubeconfig "$SCRATCH/admin.conf" "$API_URL" "$PKI/ca.pem" "$PKI/admin.pem" "$PKI/admin.key"
cp "$SCRATCH/admin.conf" "$ROOT/etc/kubernetes/admin.conf"

# Dry run: says what it would do, writes nothing.
out=$("${CREDS[@]}" --dry-run 2>&1) || fail "dry run failed: $out"
expect_match "$out" "would issue a new certificate" "dry run output"
expect_match "$out" "would apply ClusterRole kc-cleanup, ClusterRoleBinding kc-cleanup" "dry run output"
[ ! -e "$ROOT/etc/kc" ] || fail "dry run wrote $(ls -R "$ROOT/etc/kc")"
[ "$(state 's["applied"]')" = "[]" ] || fail "dry run applied $(state 's["applied"]')"
# Without its binding, user kc-cleanup can do nothing (the stand-in's RBAC authorizer).
expect_exit 1 "$KC_LEADER" cleanup --server "$API_URL" --certificate-authority "$PKI/ca.pem" \
  --client-certificate "$PKI/client.pem" --client-key "$PKI/client.key" --once

out=$("${CREDS[@]}" 2>&1) || fail "cleanup-credentials failed: $out"
[[ "$out" != *BEGIN* && "$out" != *PRIVATE* ]] || fail "key material in the output"
[ "$(stat -c %a "$KCFG")" = 600 ] || fail "kubeconfig mode $(stat -c %a "$KCFG")"
subject=$(client_cert | openssl x509 -noout -subject -nameopt RFC2253)
[ "$subject" = "subject=CN=kc-cleanup" ] || fail "subject is '$subject'"
client_cert | openssl verify -CAfile "$PKI/ca.pem" >/dev/null || fail "not signed by the cluster CA"
client_cert | openssl x509 -noout -text | grep -q 'TLS Web Client Authentication' || fail "no clientAuth"
client_cert | openssl x509 -noout -text | grep -q 'ASN1 OID: prime256v1' || fail "not an EC P-256 key"
grep -q "server: $API_URL" "$KCFG" || fail "server not taken from admin.conf"
for verb in get list watch delete; do
  grep -qx "  - $verb" "$ROOT/etc/kc/kc-cleanup-rbac.yaml" || fail "RBAC manifest lacks $verb"
done
grep -q 'kind: User' "$ROOT/etc/kc/kc-cleanup-rbac.yaml" || fail "RBAC binding lacks the user"
expect_match "$out" "applied ClusterRole kc-cleanup, ClusterRoleBinding kc-cleanup" "apply output"
[ "$(state '[(a["kind"], a["user"]) for a in s["applied"]]')" = \
  "[('clusterroles', 'kubernetes-admin'), ('clusterrolebindings', 'kubernetes-admin')]" ] ||
  fail "applied: $(state 's["applied"]')"
[ "$(state 's["rbac"]["clusterroles"]["kc-cleanup"]["rules"]')" = \
  "[{'apiGroups': [''], 'resources': ['nodes'], 'verbs': ['get', 'list', 'watch', 'delete']}]" ] ||
  fail "ClusterRole: $(state 's["rbac"]["clusterroles"]')"
# kc-cleanup itself may not touch RBAC.
grep 'client-key-data:' "$KCFG" | awk '{print $2}' | base64 -d >"$SCRATCH/kc.key"
client_cert >"$SCRATCH/kc.pem"
code=$(curl -s -o /dev/null -w '%{http_code}' --cacert "$PKI/ca.pem" --cert "$SCRATCH/kc.pem" --key "$SCRATCH/kc.key" \
  "$API_URL/apis/rbac.authorization.k8s.io/v1/clusterroles/kc-cleanup")
[ "$code" = 403 ] || fail "kc-cleanup read a ClusterRole: HTTP $code"

# The stand-in accepts the certificate, as user kc-cleanup (the only user it lets in).
ctl '{"op":"put","nodes":[{"name":"gone","ready":"Unknown","ready_for":3000,"taints":["ToBeDeletedByClusterAutoscaler","node.kubernetes.io/unreachable"]},{"name":"kept"}]}'
"$KC_LEADER" cleanup --root "$ROOT" --once >"$SCRATCH/once.log" 2>&1 || fail "cleanup with the issued credentials failed: $(cat "$SCRATCH/once.log")"
[ "$(state '[(d["name"], d["user"]) for d in s["deleted"]]')" = "[('gone', 'kc-cleanup')]" ] ||
  fail "deleted: $(state 's["deleted"]')"

# Re-running keeps a valid certificate.
cp "$KCFG" "$SCRATCH/first.kubeconfig"
out=$("${CREDS[@]}" 2>&1) || fail "re-run failed: $out"
expect_match "$out" "0 step\(s\) changed the host, 3 already in place" "re-run"
[ "$(state 'len(s["applied"])')" = 2 ] || fail "re-run applied again"
cmp -s "$KCFG" "$SCRATCH/first.kubeconfig" || fail "re-run replaced a valid kubeconfig"

# A certificate close to its expiry is renewed.
rm "$KCFG"
"${CREDS[@]}" --valid-days 20 >/dev/null 2>&1 || fail "short-lived issue failed"
short_end=$(client_cert | openssl x509 -noout -enddate)
expect_match "$("${CREDS[@]}" --valid-days 20 2>&1)" "3 already in place" "a 20-day certificate kept by a 20-day run"
out=$("${CREDS[@]}" 2>&1) || fail "renewal failed: $out"
expect_match "$out" "expires within 30 days" "renewal reason"
[ "$(client_cert | openssl x509 -noout -enddate)" != "$short_end" ] || fail "not renewed"
client_cert | openssl x509 -noout -checkend $((300 * 86400)) >/dev/null || fail "renewed certificate is short-lived"

# A new cluster CA means a new certificate; a CA key that is not the CA's is refused.
make_kube_pki "$SCRATCH/pki2"
cp "$SCRATCH/pki2/ca.pem" "$ROOT/etc/kubernetes/pki/ca.crt"
cp "$KCFG" "$SCRATCH/before.kubeconfig"
out=$("${CREDS[@]}" 2>&1) && fail "accepted a CA key that does not match the CA"
expect_match "$out" "ca.key.*does not belong" "mismatched CA key error"
cmp -s "$KCFG" "$SCRATCH/before.kubeconfig" || fail "kubeconfig changed after an error"
cp "$SCRATCH/pki2/ca.key" "$ROOT/etc/kubernetes/pki/ca.key"
out=$("${CREDS[@]}" 2>&1) || fail "re-issue failed: $out"
expect_match "$out" "cluster CA changed" "CA change reason"
client_cert | openssl verify -CAfile "$SCRATCH/pki2/ca.pem" >/dev/null || fail "not signed by the new CA"

rm "$ROOT/etc/kubernetes/pki/ca.key" "$KCFG"
out=$("${CREDS[@]}" 2>&1) && fail "ran without the CA key"
expect_match "$out" "ca.key" "missing CA key error"
[ ! -e "$KCFG" ] || fail "kubeconfig written without a CA key"
echo "cleanup-credentials: ok"
