#!/bin/bash
# kc-worker storage with two loop devices standing in for instance-store disks, against the
# real systemd of the test bed: RAID0 with mdadm, then mkfs, then the mounts; a second run
# changes nothing; the array stopped (as after a reboot without auto-assembly) is assembled
# again and its data kept; both disks wiped ("stop/start") -> the array is made again; a third
# disk with a foreign filesystem is skipped and never written. Needs md (RAID) in the kernel.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/testbed_lib.sh"
source "$(dirname "$0")/storage_lib.sh"
require_testbed
require_loop
command -v mdadm >/dev/null || skip "mdadm is not installed (packaging/install-deps.sh installs it)"
[ -e /proc/mdstat ] || modprobe raid0 2>/dev/null || true
[ -e /proc/mdstat ] || skip "the kernel has no md (RAID) support: no /proc/mdstat, and no raid0 module to load"

new_loop A 64
new_loop B 64
new_loop FOREIGN 32
mkfs.ext4 -q -L data "$FOREIGN"
foreign_before=$(blkid -p -o export "$FOREIGN" | sha256sum)
# Stop every array made of these loop devices, even when the test fails half-way (after the
# container, which holds the mounts, has stopped: cleanups run last registered first).
on_exit "for md in /sys/block/md*; do [ -e \"\$md/slaves/${A##*/}\" ] && mdadm --stop \"/dev/\${md##*/}\"; done >/dev/null 2>&1"

C=kc-raid-$$
testbed_start "$C" --bind "$A" --bind "$B" --bind "$FOREIGN"
# The container has no udev: give it the nodes of the md devices mdadm may pick.
for minor in 127 126 125 124; do mknod "$ROOT/dev/md$minor" b 9 "$minor" 2>/dev/null || true; done
storage() {
  "$KC_WORKER" storage --root "$ROOT" --system-bus "$DBUS_SYSTEM_BUS_ADDRESS" \
    --ephemeral-device "$A" --ephemeral-device "$B" --ephemeral-device "$FOREIGN" "$@" 2>"$SCRATCH/err"
}
array_of() {  # the md device holding loop device $1
  local md
  for md in /sys/block/md*; do [ -e "$md/slaves/${1##*/}" ] && echo "/dev/${md##*/}"; done
}

echo "--- first run: RAID0 of two disks, mkfs, mounts; the foreign disk skipped"
out=$(storage) || fail "kc-worker storage failed: $(cat "$SCRATCH/err") $out"
grep -q "ran mdadm --create /dev/md/kc-ephemeral .*--level=0 .*--raid-devices=2 $A $B" <<<"$out" ||
  fail "no RAID0 made: $out"
md=$(array_of "$A")
[ -n "$md" ] && [ "$(array_of "$B")" = "$md" ] || fail "$A and $B are not in one array"
grep -q "raid0" /proc/mdstat || fail "/proc/mdstat shows no raid0"
[ "$(label_of "$md")" = kc-ephemeral ] || fail "$md has no kc-ephemeral filesystem"
grep -q "skipped $FOREIGN (--ephemeral-device): carries a signature kc did not write: ext4 filesystem" "$SCRATCH/err" ||
  fail "no skip message for the foreign disk"
[ "$(inside "$C" findmnt -n -o SOURCE /var/lib/containerd)" = "$md[/containerd]" ] ||
  fail "/var/lib/containerd is not on the array"
inside "$C" touch /var/lib/kubelet/kept

echo "--- second run: nothing changes"
out=$(storage) || fail "second run failed: $(cat "$SCRATCH/err")"
grep -qx "kc-worker storage: 0 step(s) changed the host, 4 already in place" <<<"$out" ||
  fail "the second run changed something: $out"

echo "--- the array stopped: assembled again, its data kept"
inside "$C" systemctl stop var-log-pods.mount var-lib-kubelet.mount var-lib-containerd.mount var-mnt-ephemeral.mount
mdadm --stop "$md" >/dev/null 2>&1 || fail "could not stop $md"
out=$(storage) || fail "the run after stopping the array failed: $(cat "$SCRATCH/err")"
grep -q "ran mdadm --assemble /dev/md/kc-ephemeral --run $A $B" <<<"$out" || fail "not assembled: $out"
grep -q "mkfs" <<<"$out" && fail "a filesystem was made over the kept data: $out"
inside "$C" test -e /var/lib/kubelet/kept || fail "the data did not survive assembly"

echo "--- stop/start: both disks blank again; made anew"
inside "$C" systemctl stop var-log-pods.mount var-lib-kubelet.mount var-lib-containerd.mount var-mnt-ephemeral.mount
mdadm --stop "$(array_of "$A")" >/dev/null 2>&1 || fail "could not stop the array"
wipefs -a -q "$A" "$B"
out=$(storage) || fail "the run after the wipe failed: $(cat "$SCRATCH/err")"
grep -q "ran mdadm --create" <<<"$out" || fail "the array was not made again: $out"
inside "$C" test ! -e /var/lib/kubelet/kept || fail "old data after a wipe"
[ "$(blkid -p -o export "$FOREIGN" | sha256sum)" = "$foreign_before" ] || fail "the foreign disk was changed"
echo "PASS"
