#!/bin/bash
# Units kc enabled over D-Bus come back after a reboot: a persistent container (its own copy of
# the rootfs, no --volatile) is halted and booted again.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/testbed_lib.sh"
require_testbed

C=kc-reboot-$$
# The copy (about 240 MB) goes next to the cached rootfs, not to a tmpfs.
DISK=$(mktemp -d /var/tmp/kc-reboot-XXXXXX)
on_exit "rm -rf '$DISK'"
"$TB" clone "$DISK/rootfs" || fail "could not copy the test bed rootfs"

testbed_start "$C" --persistent "$DISK/rootfs"
install_standin_kubelet v1
out=$("$PROBE" --root "$ROOT" kubelet.service)
expect_lines "install" "$out" "wrote /etc/systemd/system/kubelet.service (new)
wrote /etc/systemd/system/kubelet.service.d/10-kubeadm.conf (new)
enabled kubelet.service
reloaded systemd
started kubelet.service
changed"
boot_id=$(inside "$C" cat /proc/sys/kernel/random/boot_id)

echo "--- reboot"
"$TB" stop "$C"
testbed_start "$C" --persistent "$DISK/rootfs"
[ "$(inside "$C" cat /proc/sys/kernel/random/boot_id)" != "$boot_id" ] || fail "the container did not reboot"
[ "$(inside "$C" systemctl is-enabled kubelet.service)" = enabled ] || fail "kubelet.service is not enabled after the reboot"
[ "$(prop "$C" kubelet.service ActiveState)" = active ] || fail "kubelet.service did not start at boot"
inside "$C" journalctl -b -u kubelet.service -o cat --no-pager | grep -q '^Started kubelet.service' ||
  fail "the journal of this boot does not show kubelet.service starting"

echo "--- after the reboot kc finds everything in place"
out=$("$PROBE" --root "$ROOT" kubelet.service)
expect_lines "after reboot" "$out" "unchanged"
echo "PASS"
