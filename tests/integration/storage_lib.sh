# Helpers for the instance-store tests (sourced after lib.sh and testbed_lib.sh): loop devices
# stand in for the instance-store disks; every one made here is detached at exit, even on failure.

require_loop() {
  [ "$(id -u)" = 0 ] || skip "needs root (losetup, mounts)"
  [ -e /dev/loop-control ] || modprobe loop 2>/dev/null || true
  [ -e /dev/loop-control ] || skip "the kernel has no loop device support (no /dev/loop-control)"
  local tool
  for tool in losetup blkid wipefs mkfs.ext4 findmnt; do
    command -v "$tool" >/dev/null || skip "$tool is not installed"
  done
  [ "${KC_STATIC:-1}" = 1 ] ||
    skip "kc-worker runs inside the test bed at boot, which needs the static build"
}

# new_loop VAR SIZE_MB: attaches a loop device over a sparse file in $SCRATCH and sets VAR to
# its path (not through $(...): the cleanup must be registered in this shell).
new_loop() {
  local img dev
  img=$(mktemp "$SCRATCH/disk-XXXXXX.img")
  truncate -s "${2}M" "$img"
  dev=$(losetup --find --show "$img") || fail "losetup could not attach $img"
  on_exit "losetup -d '$dev' 2>/dev/null"
  printf -v "$1" '%s' "$dev"
}

# install_standin_containerd ROOTFS: a stand-in containerd.service, enabled, that records
# where /var/lib/containerd and /var/lib/kubelet are mounted from when it starts.
install_standin_containerd() {
  local r=$1
  cat >"$r/etc/systemd/system/containerd.service" <<'UNIT'
[Unit]
Description=stand-in containerd: records where its data directories are mounted from

[Service]
Type=oneshot
RemainAfterExit=yes
ExecStart=/bin/sh -c 'for d in /var/lib/containerd /var/lib/kubelet; do findmnt -n -o SOURCE "$d" || echo "$d root-volume"; done >/run/standin-containerd'

[Install]
WantedBy=multi-user.target
UNIT
  mkdir -p "$r/etc/systemd/system/multi-user.target.wants"
  ln -sf ../containerd.service "$r/etc/systemd/system/multi-user.target.wants/containerd.service"
}

# label_of DEV: the filesystem label blkid finds (empty when none).
label_of() { blkid -p -o value -s LABEL "$1" 2>/dev/null || true; }
