#!/bin/bash
# End-to-end check of systemd-testbed.sh. Exit 0 = pass, 77 = skipped (meson), anything else = failure.
set -euo pipefail

TB=$(dirname "$(realpath "$0")")/systemd-testbed.sh
[[ $EUID -eq 0 ]] || { echo "SKIP: needs root"; exit 77; }
for tool in systemd-nspawn nsenter busctl; do
  command -v "$tool" >/dev/null || { echo "SKIP: $tool not installed"; exit 77; }
done
command -v debootstrap >/dev/null || [[ -d ${KC_TESTBED_CACHE:-/var/cache/kc-testbed}/bookworm ]] ||
  { echo "SKIP: debootstrap not installed and no cached rootfs"; exit 77; }

# Unique names, so that several selftests can run at once.
A=st$$-a B=st$$-b C=st$$-c P=st$$-p
NAMES=("$A" "$B" "$C" "$P")
WORK=$(mktemp -d /var/tmp/kc-testbed-selftest.XXXXXX)
PIDS=()

cleanup() {
  local n
  pkill -TERM -P $$ || true  # a testbed.sh still running (when killed), before we stop what it started
  for n in "${NAMES[@]}"; do "$TB" stop "$n" || true; done
  rm -rf "$WORK"
}
trap cleanup EXIT

now() { echo "${EPOCHREALTIME/./}"; }
ms_since() { echo "$((($(now) - $1) / 1000)) ms"; }
fail() { echo "FAIL: $*" >&2; exit 1; }
step() { echo "--- $*"; }

# Starts a container, remembers its nspawn and leader PIDs for the leftover check at the end.
start() {
  local t0; t0=$(now)
  "$TB" start "$@" >/dev/null || fail "start $*"
  PIDS+=("$(cat "/run/kc-testbed/$1/nspawn.pid")" "$("$TB" leader "$1")")
  echo "started $1 in $(ms_since "$t0")"
}

write_unit() {  # NAME UNIT: a service that just stays up
  printf '[Unit]\nDescription=kc testbed selftest\n[Service]\nExecStart=/bin/sleep infinity\n[Install]\nWantedBy=multi-user.target\n' \
    >"$("$TB" root "$1")/etc/systemd/system/$2"
}

step "rootfs"
"$TB" rootfs

step "boot $A, query its manager over D-Bus from the host"
start "$A"
version=$(busctl --address="$("$TB" bus "$A")" get-property org.freedesktop.systemd1 /org/freedesktop/systemd1 \
          org.freedesktop.systemd1.Manager Version) || fail "busctl from the host"
[[ $version == s\ * ]] || fail "unexpected Version reply: $version"
echo "systemd Version: $version"

step "enable and start a unit in $A"
write_unit "$A" kc-selftest.service
"$TB" sh "$A" -- systemctl daemon-reload
"$TB" sh "$A" -- systemctl enable --now --quiet kc-selftest.service
"$TB" sh "$A" -- systemctl is-active --quiet kc-selftest.service || fail "kc-selftest.service not active in $A"

step "exec and sh propagate exit codes"
rc=0; "$TB" exec "$A" -- sh -c 'exit 3' || rc=$?
[[ $rc -eq 3 ]] || fail "exec: exit code $rc, expected 3"
rc=0; "$TB" sh "$A" -- sh -c 'exit 4' || rc=$?
[[ $rc -eq 4 ]] || fail "sh: exit code $rc, expected 4"
# shellcheck disable=SC2016  # expanded inside, and "$" must survive systemd's own $VAR expansion
out=$("$TB" exec "$A" -- sh -c 'echo "[$1]"; grep -q "^0::/system.slice/run-" /proc/self/cgroup && echo in-service' sh 'a$b')
[[ $out == $'[a$b]\nin-service' ]] || fail "exec output/cgroup: $out"

step "persistent rootfs survives a reboot"
"$TB" clone "$WORK/rootfs"
start "$P" --persistent "$WORK/rootfs"
write_unit "$P" kc-persist.service
"$TB" sh "$P" -- systemctl enable --quiet kc-persist.service
t0=$(now); "$TB" stop "$P"; echo "stopped $P in $(ms_since "$t0")"
start "$P" --persistent "$WORK/rootfs"
"$TB" sh "$P" -- systemctl is-active --quiet kc-persist.service || fail "kc-persist.service not active after reboot"
"$TB" stop "$P"
journalctl -D "$WORK/rootfs/var/log/journal" -q --no-pager | grep 'Started kc-persist.service' >/dev/null ||
  fail "the persistent journal does not show kc-persist.service"
[[ ! -e "$("$TB" rootfs)/etc/systemd/system/kc-selftest.service" ]] || fail "the cached rootfs was modified"

step "two more containers at once, next to $A"
start "$B" & pb=$!
start "$C" & pc=$!
wait "$pb" || fail "start $B"
wait "$pc" || fail "start $C"
# The PIDs recorded in the subshells are lost: record them again.
PIDS+=("$(cat "/run/kc-testbed/$B/nspawn.pid")" "$("$TB" leader "$B")" "$(cat "/run/kc-testbed/$C/nspawn.pid")" "$("$TB" leader "$C")")
for n in "$A" "$B" "$C"; do
  [[ "$("$TB" sh "$n" -- hostname)" == "$n" ]] || fail "hostname of $n"
  [[ "$("$TB" sh "$n" -- systemctl is-system-running)" == running ]] || fail "$n not running"
done
"$TB" sh "$B" -- systemctl is-active --quiet kc-selftest.service && fail "$A's unit leaked into $B"

step "stop all"
for n in "$A" "$B" "$C"; do
  t0=$(now); "$TB" stop "$n"; echo "stopped $n in $(ms_since "$t0")"
done
"$TB" stop "$A"  # idempotent

step "no leftovers"
for n in "${NAMES[@]}"; do
  for h in /sys/fs/cgroup/systemd /sys/fs/cgroup/unified; do
    [[ ! -e $h/kc-testbed-$n ]] || fail "leftover cgroup $h/kc-testbed-$n"
  done
  [[ ! -e /run/kc-testbed/$n ]] || fail "leftover state /run/kc-testbed/$n"
done
# A zombie (nspawn, waiting to be reaped by the host's PID 1) is not a leftover.
live() { local stat; stat=$(cat "/proc/$1/stat" 2>/dev/null) && [[ $stat != *") Z "* ]]; }
for pid in "${PIDS[@]}"; do
  if live "$pid"; then fail "leftover process $pid: $(tr '\0' ' ' <"/proc/$pid/cmdline")"; fi
done
for f in /proc/[0-9]*/cgroup; do
  grep -q "kc-testbed-st$$-" "$f" 2>/dev/null || continue
  pid=${f#/proc/}; pid=${pid%/cgroup}
  if live "$pid"; then fail "process $pid left in a testbed cgroup"; fi
done

echo "PASS: systemd testbed selftest"
