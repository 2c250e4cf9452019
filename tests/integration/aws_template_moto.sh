#!/bin/bash
# kc-leader aws-template: both stacks deployed into moto, an AWS service EMULATOR (moto_server on
# 127.0.0.1, not AWS), with boto3 pointed at it; aws_template_moto_checks.py then reads back what
# was created: the security group's rules, the roles' policy documents (against the actions
# cluster-autoscaler and the cloud-controller-manager document), the group's sizes and every tag
# with its PropagateAtLaunch flag, the launch template's user data, and what a scale-up launches.
# The workers template is made as on the leader: the user data from the leader's copy under
# --root, the AMI and subnet from instance metadata (the IMDSv2 stand-in of tests/servers, since
# moto's own metadata endpoint has no subnet-id).
set -euo pipefail
. "$(dirname "$0")/lib.sh"

PY=$(command -v python3) || skip "python3 is not installed"
"$PY" -c 'import boto3, moto, yaml' 2>/dev/null || skip "boto3, moto or PyYAML is not installed"

MOTO_PORT=$(free_port)
"$PY" -m moto.server -H 127.0.0.1 -p "$MOTO_PORT" >"$SCRATCH/moto.log" 2>&1 &
MOTO_PID=$!
on_exit "kill $MOTO_PID"
for _ in $(seq 1 450); do  # up to 90 s: moto loads every service first
  curl -sf "http://127.0.0.1:$MOTO_PORT/moto-api/" >/dev/null 2>&1 && break
  kill -0 "$MOTO_PID" 2>/dev/null || fail "moto_server did not start: $(tail -5 "$SCRATCH/moto.log")"
  sleep 0.2
done
curl -sf "http://127.0.0.1:$MOTO_PORT/moto-api/" >/dev/null || fail "moto_server does not answer"

export AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing AWS_DEFAULT_REGION=us-east-1
export AWS_ENDPOINT_URL="http://127.0.0.1:$MOTO_PORT"
export KC_LEADER SCRATCH
export KC_IMDS_STANDIN="$KC_SOURCE_ROOT/tests/servers/imds_standin.py"
"$PY" "$(dirname "$0")/aws_template_moto_checks.py"
