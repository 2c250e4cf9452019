#!/bin/bash
# First boot of a worker with an instance-store disk (a blank loop device standing in for it),
# against the real systemd of the test bed and Debian's real containerd (enabled, as Flatcar
# starts it at boot): kc-storage.service, installed and enabled as the Ignition user data does
# (kc-leader user-data), makes kc's filesystem and starts the mount and bind units before
# containerd.service first starts, so containerd writes its data on the instance store and
# never on the root volume. The unit below is the user data's kc-storage.service with
# --ephemeral-device added: the test bed has no NVMe instance store to discover.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/testbed_lib.sh"
source "$(dirname "$0")/storage_lib.sh"
require_testbed
require_loop

new_loop DISK 96

C=kc-firstboot-$$
TBDIR=$(mktemp -d /var/tmp/kc-firstboot-XXXXXX)
on_exit "rm -rf '$TBDIR'"
R=$TBDIR/rootfs
"$TB" clone "$R" || fail "could not copy the test bed rootfs"
[ -x "$R/usr/bin/containerd" ] || skip "the test bed rootfs has no containerd (tests/testbed PACKAGES)"
[ ! -e "$R/var/lib/containerd" ] || [ -z "$(ls -A "$R/var/lib/containerd")" ] ||
  fail "the rootfs already holds containerd data: not a first boot"
mkdir -p "$R/opt/bin" "$R/etc/systemd/system/multi-user.target.wants"
cp "$KC_WORKER" "$R/opt/bin/kc-worker"
ln -sf /lib/systemd/system/containerd.service \
  "$R/etc/systemd/system/multi-user.target.wants/containerd.service"
cat >"$R/etc/systemd/system/kc-storage.service" <<UNIT
# Written by kc (kc-worker storage).
[Unit]
Description=kc: instance-store disks (RAID0, filesystem) and their mounts
Wants=network-online.target
After=network-online.target
Before=containerd.service kubelet.service kc-worker.service

[Service]
Type=oneshot
RemainAfterExit=yes
ExecStart=/opt/bin/kc-worker storage --ephemeral-fs ext4 --ephemeral-device $DISK

[Install]
WantedBy=multi-user.target
UNIT
ln -sf ../kc-storage.service "$R/etc/systemd/system/multi-user.target.wants/kc-storage.service"

t0=$SECONDS
testbed_start "$C" --persistent "$R" --bind "$DISK"
wait_for "containerd.service active at boot" 60 \
  bash -c "[ \"\$('$TB' sh '$C' -- systemctl show -P ActiveState containerd.service)\" = active ]"

[ "$(prop "$C" kc-storage.service ActiveState)" = active ] ||
  fail "kc-storage.service did not run at boot: $(inside "$C" journalctl -b -u kc-storage.service -o cat --no-pager)"
[ "$(label_of "$DISK")" = kc-ephemeral ] || fail "$DISK has no kc-ephemeral filesystem"
for pair in containerd:/var/lib/containerd kubelet:/var/lib/kubelet pods:/var/log/pods; do
  src=$(inside "$C" findmnt -n -o SOURCE "${pair#*:}") || fail "${pair#*:} is not mounted"
  [ "$src" = "$DISK[/${pair%%:*}]" ] || fail "${pair#*:} is mounted from $src"
done
# systemd's own record of the order: every mount active before containerd's process started.
started=$(prop "$C" containerd.service ExecMainStartTimestampMonotonic)
[ "${started:-0}" -gt 0 ] || fail "containerd.service has no start time"
for unit in var-mnt-ephemeral.mount var-lib-containerd.mount var-lib-kubelet.mount var-log-pods.mount; do
  active=$(prop "$C" "$unit" ActiveEnterTimestampMonotonic)
  [ "${active:-0}" -gt 0 ] && [ "$active" -lt "$started" ] ||
    fail "$unit became active at $active, containerd started at $started"
done
# containerd's data are on the instance store, and nothing of it is on the root volume (the
# rootfs directory as the host sees it, under the container's bind mount).
wait_for "containerd's metadata database" 20 \
  "$TB" sh "$C" -- test -e /var/mnt/ephemeral/containerd/io.containerd.metadata.v1.bolt/meta.db
[ -z "$(ls -A "$R/var/lib/containerd" 2>/dev/null)" ] ||
  fail "containerd wrote to the root volume: $(ls -A "$R/var/lib/containerd")"
echo "PASS ($((SECONDS - t0)) s from boot to containerd on the instance store)"
