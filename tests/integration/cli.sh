#!/usr/bin/env bash
# The command line of both binaries as a user meets it: --version, --help, exit codes, --config,
# and kc-leader init --dry-run changing nothing under --root.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

for bin in "$KC_LEADER" "$KC_WORKER"; do
  name=$(basename "$bin")
  out=$("$bin" --version)
  expect_match "$out" "^$name [0-9]+\.[0-9]+\.[0-9]+ \(commit [0-9a-f]+|unknown\), default Kubernetes 1\.36\.3$" "$name --version"
  "$bin" --help | grep -q "fetch" || fail "$name --help does not list fetch"
  expect_exit 2 "$bin" --no-such-flag
  expect_exit 2 "$bin"                               # a command is required
  expect_exit 2 "$bin" --log-level loud fetch https://example.invalid/x -o /tmp/x
  expect_exit 2 "$bin" fetch https://x.invalid/f -o /tmp/f --sha256 nothex
  expect_exit 2 "$bin" --config /nonexistent.json fetch https://x.invalid/f -o /tmp/f
done

scratch=$SCRATCH
# A dry run prints the whole plan and creates nothing under the root.
out=$("$KC_LEADER" init --dry-run --root "$scratch/root")
for phase in preflight assets units kubeadm addons cleanup worker-user-data; do
  grep -q "^\[$phase\] would " <<<"$out" || fail "init --dry-run plan lacks phase $phase"
done
grep -q "would write /etc/systemd/system/kubelet.service (new)" <<<"$out" || fail "plan lacks kubelet.service"
[ ! -e "$scratch/root" ] || fail "init --dry-run created $scratch/root"

# Without --dry-run, a command this version can only plan refuses and changes nothing.
expect_exit 1 "$KC_LEADER" init --root "$scratch/root"
[ ! -e "$scratch/root" ] || fail "refused init created files"

# Under a --root other than /, a real run that talks to systemd needs that root's bus: refused
# before anything is written, naming --root and --system-bus. With a bus given, join is not
# refused: it runs (here it stops at the assets phase, whose mirror does not answer).
# The identity from its flags (IMDS not asked); preflight is the first phase that looks at the root.
join=(join --root "$scratch/root" --api-server 10.0.0.10:6443 --token abcdef.0123456789abcdef
      --discovery-token-ca-cert-hash "sha256:$(printf '%064d' 0)" --node-name ip-10-0-0-20.ec2.internal
      --node-ip 10.0.0.20 --region us-east-1 --zone us-east-1a --instance-id i-0123456789abcdef1
      --vpc-cidr 10.0.0.0/16)
rc=0
err=$(env -u DBUS_SYSTEM_BUS_ADDRESS "$KC_WORKER" "${join[@]}" 2>&1 >/dev/null) || rc=$?
[ "$rc" = 1 ] || fail "join --root without a bus: exit $rc, expected 1"
grep -q -- "talk to systemd: --root $scratch/root is not / and no --system-bus was given" <<<"$err" ||
  fail "join --root without a bus: the refusal does not name --root and --system-bus: $err"
[ ! -e "$scratch/root" ] || fail "join refused for want of a bus created files"
rc=0
err=$(env -u DBUS_SYSTEM_BUS_ADDRESS "$KC_WORKER" "${join[@]}" --system-bus "unix:path=$scratch/bus" \
  --mirror http://127.0.0.1:1 --retries 0 2>&1 >/dev/null) || rc=$?
[ "$rc" = 1 ] || fail "join --system-bus: exit $rc, expected 1"
grep -q -- "--system-bus" <<<"$err" && fail "join --system-bus still refused for want of a bus: $err"
grep -q "kc-worker join: preflight: " <<<"$err" ||
  fail "join --system-bus did not get past the refusals: $err"
[ -z "$(find "$scratch/root" -type f ! -path '*/run/kc.lock' 2>/dev/null)" ] ||
  fail "the failed join left files: $(find "$scratch/root" -type f)"
rm -rf "$scratch/root"
# kc-worker config kubeadm: the identity flags, when they give all of it, name the node (IMDS not asked).
out=$("$KC_WORKER" "config" "kubeadm" "${join[@]:3}")
grep -q 'name: ip-10-0-0-20.ec2.internal' <<<"$out" || fail "config kubeadm: no node name from --node-name: $out"
grep -q 'aws:///us-east-1a/i-0123456789abcdef1' <<<"$out" || fail "config kubeadm: no providerID: $out"
grep -q 'abcdef.0123456789abcdef' <<<"$out" && fail "config kubeadm printed the token"
# kc-worker join takes the leader's preflight names; one only a leader has is a usage error.
rc=0
err=$("$KC_WORKER" "${join[@]}" --dry-run --ignore-preflight-errors Swap,Port-6443 2>&1 >/dev/null) || rc=$?
[ "$rc" = 2 ] || fail "join --ignore-preflight-errors Port-6443: exit $rc, expected 2"
grep -q -- "--ignore-preflight-errors: Port-6443: no preflight check has that name" <<<"$err" ||
  fail "join --ignore-preflight-errors: the error does not name the check: $err"

# --config supplies options; flags override it; bad values name the option.
cat >"$scratch/leader.json" <<JSON
{"dry-run": true, "init": {"kubernetes-version": "1.35.7", "arch": "arm64"}}
JSON
out=$("$KC_LEADER" --config "$scratch/leader.json" init --root "$scratch/root")
grep -q "1.35.7 (arm64)" <<<"$out" || fail "config values not used: $out"
out=$("$KC_LEADER" --config "$scratch/leader.json" init --root "$scratch/root" --kubernetes-version 1.34.4)
grep -q "1.34.4 (arm64)" <<<"$out" || fail "flag did not override config"
err=$("$KC_LEADER" init --dry-run --kubernetes-version 1.36 2>&1 >/dev/null || true)
grep -q "kubernetes-version" <<<"$err" || fail "bad version error does not name the option: $err"
echo '{"init": {"kubernetes-versoin": "1.35.7"}}' >"$scratch/typo.json"
expect_exit 2 "$KC_LEADER" --config "$scratch/typo.json" init --dry-run

# The worker's join plan never shows the bootstrap token.
out=$("$KC_WORKER" join --dry-run --root "$scratch/root" --api-server 10.0.0.10:6443 \
  --token abcdef.0123456789abcdef \
  --discovery-token-ca-cert-hash "sha256:$(printf '%064d' 0)" 2>&1)
grep -q "0123456789abcdef" <<<"$out" && fail "join --dry-run printed the bootstrap token"
grep -q "bootstrap token <redacted>" <<<"$out" || fail "join plan does not mention the token: $out"
expect_exit 2 "$KC_WORKER" join --dry-run --token not-a-token



# Under systemd (JOURNAL_STREAM names stderr), every log line carries its syslog priority.
errfile="$SCRATCH/journal-stderr"
: >"$errfile"
stream=$(stat -c '%d:%i' "$errfile")
JOURNAL_STREAM=$stream "$KC_WORKER" fetch "https://127.0.0.1:1/nothing" -o "$SCRATCH/x" 2>>"$errfile" || true
grep -q '^<3>download: https://127.0.0.1:1/nothing: ' "$errfile" || fail "journal line lacks <3> prefix: $(cat "$errfile")"
# Elsewhere (a file that is not the journal stream), plain timestamped lines.
JOURNAL_STREAM=1:1 "$KC_WORKER" fetch "https://127.0.0.1:1/nothing" -o "$SCRATCH/x" 2>"$SCRATCH/plain" || true
grep -qE '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]+ error download: ' "$SCRATCH/plain" || fail "plain log line: $(cat "$SCRATCH/plain")"
[ ! -e "$SCRATCH/x" ] || fail "a failed fetch left its output behind"

echo "cli: journal and plain log styles checked"

# A mistyped flag makes the parser echo what followed it: a token must still not appear.
err=$("$KC_WORKER" join --dry-run --tokn abcdef.0123456789abcdef 2>&1 >/dev/null || true)
grep -q "0123456789abcdef" <<<"$err" && fail "usage error echoed the bootstrap token: $err"
grep -q "<redacted token>" <<<"$err" || fail "usage error did not mention the redacted argument: $err"
echo "cli: usage errors redact tokens"

# On a terminal (a pty from script(1)), errors are coloured and carry no timestamp.
if command -v script >/dev/null; then
  tty_out=$(script -qec "'$KC_WORKER' fetch https://127.0.0.1:1/x -o '$SCRATCH/x'" /dev/null || true)
  [[ $tty_out == $'\033[31mdownload: https://127.0.0.1:1/x: '* ]] || fail "terminal error not coloured: $(printf %q "$tty_out")"
  echo "cli: terminal log style checked"
fi
