# Helpers for the tests that talk to a real systemd (sourced after lib.sh): a container from
# tests/testbed/systemd-testbed.sh, stopped when the test exits.
TB=$KC_SOURCE_ROOT/tests/testbed/systemd-testbed.sh
PROBE=$KC_SYSTEMD_PROBE

require_testbed() {
  [ "$(id -u)" = 0 ] || skip "needs root (systemd-nspawn)"
  local tool
  for tool in systemd-nspawn nsenter; do
    command -v "$tool" >/dev/null || skip "$tool is not installed (packaging/install-deps.sh installs it)"
  done
  command -v debootstrap >/dev/null || [ -d "${KC_TESTBED_CACHE:-/var/cache/kc-testbed}/bookworm" ] ||
    skip "debootstrap is not installed and no cached rootfs"
}

# testbed_start NAME [start options]: boots NAME; sets ROOT (its filesystem, as --root) and
# points DBUS_SYSTEM_BUS_ADDRESS at its system bus.
testbed_start() {
  local name=$1
  shift
  on_exit "'$TB' stop '$name' >/dev/null 2>&1"
  "$TB" start "$name" "$@" >/dev/null || fail "could not boot the test bed container $name"
  ROOT=$("$TB" root "$name")
  DBUS_SYSTEM_BUS_ADDRESS=$("$TB" bus "$name")
  export DBUS_SYSTEM_BUS_ADDRESS
}

# inside NAME CMD...: runs CMD inside the container (systemctl, journalctl, ...).
inside() {
  local name=$1
  shift
  "$TB" sh "$name" -- "$@"
}

# prop NAME UNIT PROPERTY: a unit property as the container's systemctl shows it.
prop() { inside "$1" systemctl show -P "$3" "$2"; }

# A stand-in kubelet (no real kubelet can run here): a process that stays up, at the path the
# embedded units run. Rewriting it gives it a new modification time, as an upgrade would.
install_standin_kubelet() {
  mkdir -p "$ROOT/opt/bin"
  printf '#!/bin/sh\n# stand-in kubelet %s\nexec sleep infinity\n' "${1:-v1}" >"$ROOT/opt/bin/kubelet"
  chmod 0755 "$ROOT/opt/bin/kubelet"
}

# expect_lines WHAT ACTUAL EXPECTED: fails with both texts unless they are equal.
expect_lines() {
  [ "$2" = "$3" ] || fail "$1: got
---
$2
---
expected
---
$3
---"
}
