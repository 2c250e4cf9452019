#!/usr/bin/env bash
# kc-leader's kubeadm configuration as kubeadm reads it, and the identity and preflight phases of
# init as a dry run prints them:
#   - `config kubeadm` (identity from flags, and from the IMDSv2 stand-in with its token
#     protocol) prints v1beta4 documents that the kubeadm STAND-IN (tests/standins/kubeadm: it
#     checks argv and the config's structure, then writes admin.conf and pki/ca.* with real
#     OpenSSL and the static-pod manifests) accepts for 1.33 and 1.36; a v1beta3-shaped file is
#     rejected naming kubeadm's phase;
#   - no IMDS: a clear "not on EC2" error;
#   - `init --dry-run` shows the identity, preflight, kubeadm and kubeconfig phases, stops at an
#     overlapping VPC CIDR with its documented message, and changes nothing.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
command -v openssl >/dev/null || skip "openssl is not installed"
python3 -c 'import yaml' 2>/dev/null || skip "python3-yaml is not installed"

scratch=$SCRATCH
KUBEADM=$KC_SOURCE_ROOT/tests/standins/kubeadm/kubeadm
export KC_KUBEADM_STANDIN_APISERVER=0
ids=(--node-name ip-10-0-0-10.ec2.internal --node-ip 10.0.0.10 --region us-east-1
     --zone us-east-1a --instance-id i-0123456789abcdef0 --vpc-cidr 10.0.0.0/16)

for version in 1.33.8 1.36.3; do
  root=$scratch/root-$version
  mkdir -p "$root/etc/kc"
  "$KC_LEADER" config kubeadm "${ids[@]}" --kubernetes-version "$version" --cluster-name toil \
    >"$root/etc/kc/kubeadm-init.yaml"
  chmod 0600 "$root/etc/kc/kubeadm-init.yaml"
  out=$("$KUBEADM" init --config /etc/kc/kubeadm-init.yaml --rootfs "$root" 2>&1) ||
    fail "the kubeadm stand-in rejected kc's $version configuration: $out"
  for f in etc/kubernetes/admin.conf etc/kubernetes/pki/ca.key; do
    [ "$(stat -c %a "$root/$f")" = 600 ] || fail "$f is not 0600"
  done
  openssl x509 -in "$root/etc/kubernetes/pki/ca.crt" -noout -subject | grep -q kubernetes ||
    fail "pki/ca.crt is not the cluster CA"
  [ -f "$root/etc/kubernetes/manifests/kube-apiserver.yaml" ] || fail "no static-pod manifests"
done

# A v1beta3 habit (a map-shaped kubeletExtraArgs) is what the stand-in, as kubeadm 1.36, refuses.
bad=$scratch/root-bad
mkdir -p "$bad/etc/kc"
python3 - "$scratch/root-1.36.3/etc/kc/kubeadm-init.yaml" "$bad/etc/kc/kubeadm-init.yaml" <<'PY'
import sys, yaml
docs = list(yaml.safe_load_all(open(sys.argv[1])))
docs[0]["nodeRegistration"]["kubeletExtraArgs"] = {"cloud-provider": "external"}
open(sys.argv[2], "w").write(yaml.safe_dump_all(docs))
PY
chmod 0600 "$bad/etc/kc/kubeadm-init.yaml"
if out=$("$KUBEADM" init --config /etc/kc/kubeadm-init.yaml --rootfs "$bad" 2>&1); then
  fail "the kubeadm stand-in accepted a map-shaped kubeletExtraArgs"
fi
expect_match "$out" "error execution phase preflight: kubeletExtraArgs" "stand-in rejection"

# Identity from the IMDSv2 stand-in (a token is required: a GET without one is 401).
log=$scratch/imds.log
coproc IMDS { exec python3 "$KC_SOURCE_ROOT/tests/servers/imds_standin.py" --log "$log"; }
on_exit "kill $IMDS_PID 2>/dev/null || true"
read -r port <&"${IMDS[0]}"
yaml=$(AWS_EC2_METADATA_SERVICE_ENDPOINT=http://127.0.0.1:$port "$KC_LEADER" config kubeadm)
expect_match "$yaml" "name: ip-10-0-0-10.ec2.internal" "node name from IMDS"
expect_match "$yaml" "value: aws:///us-east-1a/i-0123456789abcdef0" "provider-id from IMDS"
grep -q "^PUT /latest/api/token 200" "$log" || fail "no IMDSv2 token was asked for"

# No IMDS at all: the error says so and what to pass instead.
closed=$(free_port)
err=$("$KC_LEADER" config kubeadm --metadata-endpoint "http://127.0.0.1:$closed" 2>&1 >/dev/null) &&
  fail "config kubeadm without IMDS succeeded"
expect_match "$err" "not on EC2" "no-IMDS error"
expect_match "$err" "--node-name, --node-ip, --region, --zone, --instance-id and --vpc-cidr" "no-IMDS hint"

# init --dry-run: the phases, the overlap stop, nothing changed.
dry=$scratch/dry
out=$("$KC_LEADER" init --dry-run --root "$dry" "${ids[@]}" 2>&1)
for line in "^\[identity\] node ip-10-0-0-10.ec2.internal \(i-0123456789abcdef0 in us-east-1a" \
            "^\[kubeadm\] would write /etc/kc/kubeadm-init.yaml \(new\)" \
            "^\[kubeadm\] would run kubeadm init --config /etc/kc/kubeadm-init.yaml" \
            "^\[kubeconfig\] "; do
  grep -qE "$line" <<<"$out" || fail "init --dry-run lacks /$line/: $out"
done
out=$("$KC_LEADER" init --dry-run --root "$dry" "${ids[@]/10.0.0.0\/16/10.0.0.0/8}" 2>&1)
grep -qE "^\[preflight\] would stop: .*\[SubnetOverlap\] subnet 10.244.0.0/16 overlaps the VPC CIDR 10.0.0.0/8" <<<"$out" ||
  fail "overlapping subnets not reported: $out"
[ ! -e "$dry" ] || fail "init --dry-run created $dry"
echo "leader-kubeadm: ok"
