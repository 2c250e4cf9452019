#!/bin/bash
# kc-leader aws-template: the templates of several flag combinations pass cfn-lint (the real
# CloudFormation linter) with no error and no warning, the printed deploy commands are the ones
# the README shows, and bad flags are usage errors (exit 2) naming the flag.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

command -v cfn-lint >/dev/null || skip "cfn-lint is not installed"
T="$SCRATCH/templates"
mkdir -p "$T" "$SCRATCH/root/etc/kc"
# Off EC2: nothing answers here, so "workers" needs --image-id and --subnets.
export AWS_EC2_METADATA_SERVICE_ENDPOINT=http://127.0.0.1:9
# Stand-ins for the leader's copies of the worker user data (the join-data generator's output).
printf '{"ignition":{"version":"3.5.0"}}\n' >"$SCRATCH/root/etc/kc/user-data.ign"
printf '#!/bin/bash\nset -euo pipefail\necho "join ${HOSTNAME}"\n' >"$SCRATCH/root/etc/kc/user-data.sh"
AMI=ami-0123456789abcdef0
SUBNET=subnet-0123456789abcdef0

leader() { "$KC_LEADER" aws-template "$@"; }

leader cluster --ssh-cidr 198.51.100.0/24 --owner bob -o "$T/cluster-default.yaml" 2>"$SCRATCH/err"
expect_match "$(cat "$SCRATCH/err")" \
  "aws cloudformation deploy --stack-name kubernetes --template-file $T/cluster-default.yaml --capabilities CAPABILITY_NAMED_IAM --parameter-overrides ImageId=\\\$AMI KeyName=YOUR_KEY_PAIR" \
  "cluster deploy command"
expect_match "$(cat "$SCRATCH/err")" "Name=architecture,Values=x86_64" "amd64 AMI lookup"
leader cluster --cluster-name toil-prod --instance-type m7g.xlarge --root-volume-gib 100 \
  --vpc-id vpc-0123456789abcdef0 --subnet "$SUBNET" --ssh-cidr 2001:db8::/48 --owner "Ops Team" \
  -o "$T/cluster-arm64-vpc.yaml" 2>"$SCRATCH/err"
expect_match "$(cat "$SCRATCH/err")" "Name=architecture,Values=arm64" "arm64 AMI lookup"
leader cluster --ssh-cidr 0.0.0.0/0 --ssh-cidr ::/0 --owner bob >"$T/cluster-anywhere.yaml" \
  2>"$SCRATCH/err"
expect_match "$(cat "$SCRATCH/err")" "open to the whole Internet" "anywhere is said"

leader workers --root "$SCRATCH/root" --image-id "$AMI" --subnets "$SUBNET" \
  -o "$T/workers-default.yaml" 2>"$SCRATCH/err"
expect_match "$(cat "$SCRATCH/err")" \
  "aws cloudformation deploy --stack-name kubernetes-workers --template-file $T/workers-default.yaml --capabilities CAPABILITY_NAMED_IAM" \
  "workers deploy command"
leader workers --root "$SCRATCH/root" --cluster-name toil-prod --user-data-format shell \
  --image-id "$AMI" --subnets "$SUBNET,subnet-01234567,subnet-89abcdef" --max-nodes 1000 \
  --instance-type c7g.2xlarge --root-volume-gib 200 --worker-imds-hop-limit 2 \
  --ephemeral-storage 100Gi -o "$T/workers-shell-arm64.yaml" 2>/dev/null
leader workers --user-data-file "$SCRATCH/root/etc/kc/user-data.ign" --image-id "$AMI" \
  --subnets "$SUBNET" --max-nodes 1 --instance-type t3.medium >"$T/workers-file.yaml" 2>/dev/null
leader workers --root "$SCRATCH/root" --image-id "$AMI" --subnets "$SUBNET" \
  --instance-type i3.8xlarge -o "$T/workers-instance-store.yaml" 2>/dev/null
leader workers --root "$SCRATCH/root" --image-id "$AMI" --subnets "$SUBNET" \
  --instance-type m5d.2xlarge --ephemeral-storage 50Gi -o "$T/workers-instance-store-flag.yaml" \
  2>/dev/null

# i3.8xlarge: four 1900 GB instance-store disks (common/storage's table) -> 6703G for pods.
grep -q 'Value: 6703G' "$T/workers-instance-store.yaml" || fail "i3.8xlarge: not the instance store"
grep -q 'Value: 50Gi' "$T/workers-instance-store-flag.yaml" ||
  fail "--ephemeral-storage does not override the instance store"
grep -q 'Value: 26Gi' "$T/workers-default.yaml" || fail "m7i.large: not from the root volume"
grep -q 'HttpPutResponseHopLimit: 2' "$T/workers-shell-arm64.yaml" || fail "hop limit 2 not set"
grep -q 'Value: 100Gi' "$T/workers-shell-arm64.yaml" || fail "--ephemeral-storage not used"
grep -q 'MaxSize: "1000"' "$T/workers-shell-arm64.yaml" || fail "--max-nodes not used"

lint_out=$(cfn-lint "$T"/*.yaml 2>&1) || fail "cfn-lint failed on $(ls "$T"): $lint_out"
[ -z "$lint_out" ] || fail "cfn-lint said something: $lint_out"
echo "cfn-lint: $(ls "$T" | wc -l) templates clean"

# usage_error FLAG ARGS...: exit code 2 and FLAG named in the message.
usage_error() {
  local flag=$1 out rc=0
  shift
  out=$("$KC_LEADER" aws-template "$@" 2>&1 >/dev/null) || rc=$?
  [ "$rc" = 2 ] || fail "'$*' exited $rc, expected 2: $out"
  [[ $out == *"$flag"* ]] || fail "'$*': the error does not name $flag: $out"
}
C=(cluster --owner bob)
W=(workers --root "$SCRATCH/root" --image-id "$AMI" --subnets "$SUBNET")
usage_error --ssh-cidr "${C[@]}"
usage_error --ssh-cidr "${C[@]}" --ssh-cidr 10.0.0.1/8
usage_error --ssh-cidr "${C[@]}" --ssh-cidr 300.0.0.0/8
usage_error --cluster-name "${C[@]}" --ssh-cidr 10.0.0.0/8 --cluster-name my_cluster
usage_error --cluster-name "${C[@]}" --ssh-cidr 10.0.0.0/8 --cluster-name "$(printf 'a%.0s' {1..58})"
usage_error --cluster-name "${W[@]}" --cluster-name 1abc
usage_error --instance-type "${C[@]}" --ssh-cidr 10.0.0.0/8 --instance-type m99z.large
usage_error --instance-type "${W[@]}" --instance-type large
usage_error --root-volume-gib "${C[@]}" --ssh-cidr 10.0.0.0/8 --root-volume-gib 4
usage_error --owner cluster --ssh-cidr 10.0.0.0/8 --owner 'bad<owner>'
usage_error --vpc-id "${C[@]}" --ssh-cidr 10.0.0.0/8 --vpc-id vpc-xyz
usage_error --max-nodes "${W[@]}" --max-nodes 0
usage_error --max-nodes "${W[@]}" --max-nodes -3
usage_error --worker-imds-hop-limit "${W[@]}" --worker-imds-hop-limit 0
usage_error --worker-imds-hop-limit "${W[@]}" --worker-imds-hop-limit 65
usage_error --ephemeral-storage "${W[@]}" --ephemeral-storage 10XB
usage_error --image-id workers --root "$SCRATCH/root" --image-id ubuntu --subnets "$SUBNET"
usage_error --subnets workers --root "$SCRATCH/root" --image-id "$AMI" --subnets subnet-1,x
usage_error --image-id workers --root "$SCRATCH/root" --subnets "$SUBNET"
usage_error --subnets workers --root "$SCRATCH/root" --image-id "$AMI"
usage_error --user-data-format "${W[@]}" --user-data-format yaml

# No user data on this leader yet: exit 1, naming the file and what to do.
rc=0
out=$("$KC_LEADER" aws-template workers --root "$SCRATCH/empty" --image-id "$AMI" \
  --subnets "$SUBNET" 2>&1 >/dev/null) || rc=$?
[ "$rc" = 1 ] || fail "missing user data exited $rc: $out"
expect_match "$out" "etc/kc/user-data.ign.*does not exist.*kc-leader init" "missing user data"
# More than EC2's 16 KB of user data.
head -c 17000 /dev/zero | tr '\0' x >"$SCRATCH/big"
rc=0
out=$("$KC_LEADER" aws-template workers --user-data-file "$SCRATCH/big" --image-id "$AMI" \
  --subnets "$SUBNET" 2>&1 >/dev/null) || rc=$?
[ "$rc" = 1 ] || fail "17000 bytes of user data exited $rc: $out"
expect_match "$out" "17000 bytes, more than the 16384" "user data over 16 KB"
echo "usage errors and failures name their flag or file"
