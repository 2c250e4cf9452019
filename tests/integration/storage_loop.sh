#!/bin/bash
# kc-worker storage on loop devices standing in for instance-store disks, against the real
# systemd of the test bed: one blank disk gets kc's filesystem, mounted at /var/mnt/ephemeral
# with bind mounts over containerd's and kubelet's directories; a disk with a foreign
# filesystem is skipped with the documented message and never written; a second run changes
# nothing; after a "stop/start" (the disk wiped while the machine is down) kc-storage.service
# makes it all again at boot, before a stand-in containerd starts. (RAID0 of two disks:
# storage_raid.sh, which needs md in the kernel.)
set -euo pipefail
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/testbed_lib.sh"
source "$(dirname "$0")/storage_lib.sh"
require_testbed
require_loop

new_loop DISK 96
new_loop FOREIGN 32
mkfs.ext4 -q -L data "$FOREIGN"
foreign_before=$(blkid -p -o export "$FOREIGN" | sha256sum)

C=kc-storage-$$
TBDIR=$(mktemp -d /var/tmp/kc-storage-XXXXXX)
on_exit "rm -rf '$TBDIR'"
"$TB" clone "$TBDIR/rootfs" || fail "could not copy the test bed rootfs"
mkdir -p "$TBDIR/rootfs/opt/bin"
cp "$KC_WORKER" "$TBDIR/rootfs/opt/bin/kc-worker"  # what kc-storage.service runs at boot
install_standin_containerd "$TBDIR/rootfs"

testbed_start "$C" --persistent "$TBDIR/rootfs" --bind "$DISK" --bind "$FOREIGN"
storage() {
  "$KC_WORKER" storage --root "$ROOT" --system-bus "$DBUS_SYSTEM_BUS_ADDRESS" \
    --ephemeral-device "$DISK" --ephemeral-device "$FOREIGN" "$@" 2>"$SCRATCH/err"
}

t0=$SECONDS
echo "--- dry run: every command shown, nothing changed"
out=$(storage --dry-run) || fail "dry run failed: $(cat "$SCRATCH/err")"
grep -qx "\[storage\] would run mkfs.ext4 -F -q -m 0 -E nodiscard -L kc-ephemeral $DISK" <<<"$out" ||
  fail "the dry run does not show mkfs: $out"
[ -z "$(label_of "$DISK")" ] || fail "the dry run wrote to $DISK"
[ ! -e "$ROOT/etc/systemd/system/var-mnt-ephemeral.mount" ] || fail "the dry run wrote a unit"

echo "--- first run: filesystem, mounts; the foreign disk skipped"
out=$(storage) || fail "kc-worker storage failed: $(cat "$SCRATCH/err") $out"
grep -q "skipped $FOREIGN (--ephemeral-device): carries a signature kc did not write: ext4 filesystem (LABEL=data, UUID=.*); kc leaves it alone" "$SCRATCH/err" ||
  fail "no skip message for the foreign disk: $(cat "$SCRATCH/err")"
[ "$(blkid -p -o export "$FOREIGN" | sha256sum)" = "$foreign_before" ] || fail "the foreign disk was changed"
grep -qF "$FOREIGN" <<<"$out" && fail "a command touched the foreign disk: $out"
[ "$(label_of "$DISK")" = kc-ephemeral ] || fail "$DISK has no kc-ephemeral filesystem"
[ "$(inside "$C" findmnt -n -o SOURCE,FSTYPE /var/mnt/ephemeral)" = "$DISK ext4" ] ||
  fail "/var/mnt/ephemeral is not kc's filesystem: $(inside "$C" findmnt /var/mnt/ephemeral || true)"
for pair in containerd:/var/lib/containerd kubelet:/var/lib/kubelet pods:/var/log/pods; do
  src=$(inside "$C" findmnt -n -o SOURCE "${pair#*:}") || fail "${pair#*:} is not mounted"
  [ "$src" = "$DISK[/${pair%%:*}]" ] || fail "${pair#*:} is mounted from $src"
done
[ "$(inside "$C" systemctl is-enabled kc-storage.service)" = enabled ] || fail "kc-storage.service is not enabled"
inside "$C" touch /var/lib/containerd/image-layer

echo "--- second run: nothing changes"
out=$(storage) || fail "second run failed: $(cat "$SCRATCH/err")"
grep -qx "kc-worker storage: 0 step(s) changed the host, 4 already in place" <<<"$out" ||
  fail "the second run changed something: $out"
inside "$C" test -e /var/lib/containerd/image-layer || fail "the second run lost the data"

echo "--- stop/start: the disk comes back blank; kc-storage.service makes it again at boot"
"$TB" stop "$C"
wipefs -a -q "$DISK"
testbed_start "$C" --persistent "$TBDIR/rootfs" --bind "$DISK" --bind "$FOREIGN"
[ "$(prop "$C" kc-storage.service ActiveState)" = active ] ||
  fail "kc-storage.service did not run at boot: $(inside "$C" journalctl -b -u kc-storage.service -o cat --no-pager)"
inside "$C" journalctl -b -u kc-storage.service -o cat --no-pager | grep -q "ran mkfs.ext4 .* $DISK" ||
  fail "kc-storage.service did not make the filesystem again"
[ "$(label_of "$DISK")" = kc-ephemeral ] || fail "$DISK was not made again"
expect_lines "what the stand-in containerd saw at boot" "$(cat "$ROOT/run/standin-containerd")" \
  "$DISK[/containerd]
$DISK[/kubelet]"
inside "$C" test ! -e /var/lib/containerd/image-layer || fail "old data survived a wipe"
[ "$(blkid -p -o export "$FOREIGN" | sha256sum)" = "$foreign_before" ] || fail "the foreign disk was changed at boot"
echo "PASS ($((SECONDS - t0)) s after the container booted)"
