#!/bin/bash
# Boots a real systemd as PID 1 in a systemd-nspawn container, for integration tests that need a real
# systemd and a real system D-Bus on a host whose PID 1 is not systemd. See usage() for the interface.
set -euo pipefail

CACHE=${KC_TESTBED_CACHE:-/var/cache/kc-testbed}
STATE=/run/kc-testbed
TIMEOUT=${KC_TESTBED_TIMEOUT:-60}
MIRROR=${KC_TESTBED_MIRROR:-http://deb.debian.org/debian}
# Bump when prepare_rootfs changes, so an older cached rootfs gets rebuilt.
STAMP_VERSION=2
# What the rootfs holds besides minbase: python3 and openssl run the stand-ins that live on a
# node (the kubeadm join stand-in checks discovery with the real openssl); containerd and runc
# are the container runtime kc's preflight starts and asks over the CRI, as on Flatcar.
PACKAGES=systemd,systemd-sysv,dbus,python3,openssl,containerd,runc
# The cache key follows the version and the package list, so trees with different lists (branches
# being merged) each keep their own rootfs instead of rebuilding the other's.
ROOTFS=$CACHE/bookworm-$(echo "$STAMP_VERSION $PACKAGES" | sha256sum | cut -c1-12)
CGROUP_HIERARCHIES=(/sys/fs/cgroup/systemd /sys/fs/cgroup/unified)

usage() {
  cat >&2 <<EOF
usage: ${0##*/} COMMAND ...
  rootfs                         build (once, cached) the bookworm rootfs; prints its path
  clone DIR                      cp -a the cached rootfs to DIR (for --persistent)
  start NAME [--persistent DIR] [--bind HOST:CONTAINER]... [--netns PATH]
                                 boot container NAME, wait until running; prints the leader PID
                                 (--netns: in that network namespace instead of a private one)
  leader NAME                    prints the container's PID 1 (as seen from the host)
  bus NAME                       prints the container's system bus address, usable from the host
  root NAME                      prints /proc/LEADER/root
  exec NAME -- CMD [ARGS...]     runs CMD inside as a transient service (systemd-run --wait --pipe)
  sh NAME -- CMD [ARGS...]       runs CMD inside via plain nsenter (systemctl, journalctl, ...)
  stop NAME                      halts the container and removes its cgroups and state (idempotent)
env: KC_TESTBED_CACHE (default /var/cache/kc-testbed), KC_TESTBED_TIMEOUT (boot timeout, default 60 s)
EOF
  exit 2
}

die() { echo "systemd-testbed: $*" >&2; exit 1; }

check_name() {
  [[ ${1-} =~ ^[A-Za-z0-9][A-Za-z0-9_-]{0,40}$ ]] || die "invalid container name '${1-}' (use [A-Za-z0-9_-])"
}

# Nothing in a minbase rootfs fails or slows the boot under nspawn (measured). The apt timers are
# masked so that a long test never sees apt-daily.service fail for lack of network. Without
# /etc/hostname (debootstrap copies the host's) the container keeps its machine name as hostname.
prepare_rootfs() {
  local dir=$1
  ln -sf /dev/null "$dir/etc/systemd/system/apt-daily.timer"
  ln -sf /dev/null "$dir/etc/systemd/system/apt-daily-upgrade.timer"
  rm -f "$dir/etc/hostname"
  # Installed but not started at boot: the tests that need it start it (kc's preflight does).
  rm -f "$dir/etc/systemd/system/multi-user.target.wants/containerd.service"
  echo "$STAMP_VERSION $PACKAGES" >"$dir/.kc-testbed-stamp"
}

cmd_rootfs() {
  mkdir -p "$CACHE"
  exec 9>"$CACHE/.lock"
  flock 9
  if [[ "$(cat "$ROOTFS/.kc-testbed-stamp" 2>/dev/null)" != "$STAMP_VERSION $PACKAGES" ]]; then
    local tmp=$ROOTFS.tmp.$$
    rm -rf "$ROOTFS".tmp.*   # left over by a builder that died; we hold the lock
    echo "systemd-testbed: building $ROOTFS (debootstrap, about a minute)" >&2
    if ! debootstrap --variant=minbase --include="$PACKAGES" bookworm "$tmp" "$MIRROR" \
         >"$CACHE/debootstrap.log" 2>&1; then
      tail -n 20 "$CACHE/debootstrap.log" >&2
      rm -rf "$tmp"
      die "debootstrap failed, log in $CACHE/debootstrap.log"
    fi
    prepare_rootfs "$tmp"
    if [[ -e $ROOTFS ]]; then  # outdated stamp
      mv "$ROOTFS" "$ROOTFS.old.$$"
      rm -rf "$ROOTFS.old.$$"
    fi
    mv "$tmp" "$ROOTFS"
  fi
  exec 9>&-
  echo "$ROOTFS"
}

cmd_clone() {
  [[ $# -eq 1 ]] || usage
  local src
  src=$(cmd_rootfs)
  [[ ! -e $1 ]] || [[ -z "$(ls -A "$1")" ]] || die "clone: $1 exists and is not empty"
  mkdir -p "$1"
  exec cp -a "$src/." "$1/"
}

alive() {
  local stat
  stat=$(cat "/proc/$1/stat" 2>/dev/null) && [[ $stat != "$1 ("*") Z"* ]]
}

# Prints the PID if NAME's nspawn is alive, else nothing.
nspawn_pid() {
  local pid
  pid=$(cat "$STATE/$1/nspawn.pid" 2>/dev/null) || return 0
  # Guard against PID reuse.
  if alive "$pid" && [[ "$(cat "/proc/$pid/comm" 2>/dev/null)" == systemd-nspawn ]]; then echo "$pid"; fi
}

leader_pid() {
  local pid
  pid=$(cat "$STATE/$1/leader.pid" 2>/dev/null) || die "$1 is not running"
  [[ -d /proc/$pid ]] || die "$1 is not running (leader $pid gone)"
  echo "$pid"
}

# The container's PID 1 is the nspawn child whose innermost namespace PID is 1; early on
# nspawn also has an intermediate child.
find_leader() {
  local c
  for c in $(pgrep -P "$1"); do
    if [[ "$(awk '/^NSpid:/ {print $NF}' "/proc/$c/status" 2>/dev/null)" == 1 ]]; then
      echo "$c"
      return 0
    fi
  done
  return 1
}

cmd_start() {
  local name=${1-} dir="" nspawn_args=() pid leader deadline state network=--private-network
  check_name "$name"; shift
  while [[ $# -gt 0 ]]; do
    case $1 in
      --persistent) [[ $# -ge 2 ]] || usage; dir=$(realpath "$2"); shift 2 ;;
      --bind) [[ $# -ge 2 ]] || usage; nspawn_args+=("--bind=$2"); shift 2 ;;
      --netns) [[ $# -ge 2 ]] || usage; network=--network-namespace-path=$2; shift 2 ;;
      *) usage ;;
    esac
  done
  [[ -z "$(nspawn_pid "$name")" ]] || die "$name is already running"
  cmd_stop "$name"  # leftovers of a crashed run
  if [[ -n $dir ]]; then
    [[ -x $dir/lib/systemd/systemd ]] || die "$dir is not a rootfs (use: ${0##*/} clone $dir)"
  else
    dir=$(cmd_rootfs)
    nspawn_args+=(--volatile=overlay)  # writes go to a tmpfs; the cache stays pristine
  fi

  local st=$STATE/$name cg=kc-testbed-$name h
  mkdir -p "$st"
  echo "$cg" >"$st/cgroup"
  for h in "${CGROUP_HIERARCHIES[@]}"; do mkdir -p "$h/$cg"; done
  # With --keep-unit nspawn puts payload/ and supervisor/ into the cgroup it was started in: give
  # it one of its own. setsid detaches it from the caller's session, so only `stop` ends it.
  (
    for h in "${CGROUP_HIERARCHIES[@]}"; do echo "$BASHPID" >"$h/$cg/cgroup.procs"; done
    exec setsid systemd-nspawn --quiet --boot --register=no --keep-unit "$network" \
      --console=pipe --machine="$name" --directory="$dir" "${nspawn_args[@]}"
  ) </dev/null >"$st/log" 2>&1 &
  pid=$!
  echo "$pid" >"$st/nspawn.pid"

  deadline=$((SECONDS + TIMEOUT))
  until leader=$(find_leader "$pid") && [[ -S /proc/$leader/root/run/dbus/system_bus_socket ]]; do
    if ! alive "$pid"; then
      cat "$st/log" >&2
      cmd_stop "$name"
      die "$name: systemd-nspawn exited during boot (log above)"
    fi
    if ((SECONDS >= deadline)); then
      cmd_stop "$name"
      die "$name: no system bus after ${TIMEOUT}s"
    fi
    sleep 0.05
  done
  echo "$leader" >"$st/leader.pid"

  state=$(timeout $((deadline - SECONDS + 1)) \
          nsenter -t "$leader" -a systemctl is-system-running --wait 2>&1) || true
  case $state in
    running) ;;
    degraded)
      echo "systemd-testbed: $name is degraded, failed units:" >&2
      nsenter -t "$leader" -a systemctl --failed --no-legend --plain >&2 || true ;;
    *)
      echo "systemd-testbed: $name did not reach running: '$state'; jobs:" >&2
      nsenter -t "$leader" -a systemctl list-jobs --no-pager >&2 || true
      cmd_stop "$name"
      die "$name: boot failed" ;;
  esac
  echo "$leader"
}

cmd_stop() {
  local name=${1-} pid i cg h procs
  check_name "$name"
  local st=$STATE/$name
  pid=$(nspawn_pid "$name")
  if [[ -n $pid ]]; then
    kill -TERM "$pid" 2>/dev/null || true  # nspawn turns SIGTERM into a clean halt of the container
    for ((i = 0; i < 100; i++)); do
      [[ -n "$(nspawn_pid "$name")" ]] || break
      sleep 0.1
    done
    if [[ -n "$(nspawn_pid "$name")" ]]; then
      echo "systemd-testbed: $name did not halt within 10 s, killing it" >&2
      kill -KILL "$pid" 2>/dev/null || true
    fi
  fi
  cg=$(cat "$st/cgroup" 2>/dev/null) || cg=kc-testbed-$name
  for h in "${CGROUP_HIERARCHIES[@]}"; do
    [[ -d $h/$cg ]] || continue
    # Whatever is still in there (nspawn after SIGKILL, a zombie) must go before rmdir can work.
    for ((i = 0; i < 50; i++)); do
      procs=$(find "$h/$cg" -name cgroup.procs -exec cat {} +)
      [[ -n $procs ]] || break
      # shellcheck disable=SC2086
      kill -KILL $procs 2>/dev/null || true
      sleep 0.1
    done
    find "$h/$cg" -depth -type d -exec rmdir {} + 2>/dev/null || true
    [[ ! -d $h/$cg ]] || echo "systemd-testbed: could not remove $h/$cg" >&2
  done
  rm -rf "$st"
}

cmd_exec() {
  local leader
  leader=$(leader_pid "$1")
  [[ ${2-} == -- && $# -ge 3 ]] || usage
  shift 2
  # The manager expands $VAR in ExecStart= (systemd 252 has no --expand-environment=no): pass "$" as "$$".
  exec nsenter -t "$leader" -a systemd-run --wait --pipe --quiet --collect -- "${@//\$/\$\$}"
}

cmd_sh() {
  local leader
  leader=$(leader_pid "$1")
  [[ ${2-} == -- && $# -ge 3 ]] || usage
  shift 2
  exec nsenter -t "$leader" -a "$@"
}

[[ $# -ge 1 ]] || usage
cmd=$1; shift
case $cmd in
  rootfs) [[ $# -eq 0 ]] || usage; cmd_rootfs ;;
  clone) cmd_clone "$@" ;;
  start) cmd_start "$@" ;;
  stop) [[ $# -eq 1 ]] || usage; cmd_stop "$1" ;;
  leader|bus|root)
    [[ $# -eq 1 ]] || usage; check_name "$1"
    leader=$(leader_pid "$1")
    case $cmd in
      leader) echo "$leader" ;;
      bus) echo "unix:path=/proc/$leader/root/run/dbus/system_bus_socket" ;;
      root) echo "/proc/$leader/root" ;;
    esac ;;
  exec) [[ $# -ge 1 ]] || usage; check_name "$1"; cmd_exec "$@" ;;
  sh) [[ $# -ge 1 ]] || usage; check_name "$1"; cmd_sh "$@" ;;
  *) usage ;;
esac
