#!/bin/bash
# Benchmark of `kc-worker install` (prints figures; not a test). Synthetic artifacts with the
# sizes of the real ones on a loopback HTTPS mirror (real nginx) inside a network namespace whose
# loopback is rate-limited in the kernel with tc, in two scenarios:
#   per-connection: every TCP connection capped at PER_CONN_MBIT (one HTB class per client port;
#                   the namespace's ephemeral port range is narrowed so each connection has one)
#   shared:         one tbf for everything at SHARED_MBIT: one cap shared by all connections
#                   (unlike nginx's limit_rate, which is per connection)
# The limiter check before each prints one connection's rate and two connections' total: about
# 2x under the per-connection cap, about 1x under the shared one. In each, the upstream script's
# way (sequential curl -o and curl | tar, no verification) is timed in the same run as the
# baseline; runs alternate between the two, so that load from elsewhere hits both alike. Needs
# root (ip netns, tc).
#
# Usage: tests/bench/assets_bench.sh [BUILD_DIR]   (default: build)
# Env: PER_CONN_MBIT (200 = 25 MB/s), SHARED_MBIT (800 = 100 MB/s), RUNS (3), SCENARIOS
#      ("per-connection shared"), SIZES (MB, see
#      tests/servers/make_artifacts.py), KC_BENCH_ARGS (extra kc-worker flags), BEFORE (another
#      build directory whose kc-worker is timed in the same runs, alternating: before/after),
#      KC_WRAP (a command kc-worker runs under, e.g. "perf trace -T -o FILE -e ..." to trace),
#      KC_LOG_LEVEL (warn; debug logs every range requested and received and every rate window),
#      RERUN (0: skip the re-runs with everything installed)
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
SOURCE_ROOT=$(cd "$HERE/../.." && pwd)
BUILD=${1:-$SOURCE_ROOT/build}
BUILD=$(cd "$BUILD" && pwd)

if [ -z "${KC_BENCH_NS:-}" ]; then
  [ "$(id -u)" = 0 ] || { echo "needs root (ip netns, tc)" >&2; exit 1; }
  NS=kc-bench-$$
  ip netns add "$NS"
  trap 'ip netns del "$NS"' EXIT
  ip -n "$NS" link set lo up
  # One ephemeral port per HTB class: 128 client ports, 128 classes.
  ip netns exec "$NS" sysctl -qw net.ipv4.ip_local_port_range="40000 40127"
  KC_BENCH_NS=$NS ip netns exec "$NS" "$0" "$BUILD"
  exit
fi

source "$SOURCE_ROOT/tests/integration/lib.sh"
KC_WORKER=$BUILD/bootstrap/kc-worker
PER_CONN_MBIT=${PER_CONN_MBIT:-200}
SHARED_MBIT=${SHARED_MBIT:-800}
RUNS=${RUNS:-3}
SIZES=${SIZES:-kubeadm=70,kubelet=80,kubectl=60,crictl=20,cni-plugins=50}

echo "generating artifacts ($SIZES MB)..."
make_test_ca "$SCRATCH/tls" localhost
python3 "$SOURCE_ROOT/tests/servers/make_artifacts.py" "$SCRATCH/www" "$SCRATCH/cat" --sizes "$SIZES"
start_nginx "$SCRATCH/www" "$SCRATCH/tls"
M="https://localhost:$NGINX_PORT"
CA="$SCRATCH/tls/ca.pem"
K="$M/release/v1.36.3/bin/linux/amd64"
CRICTL="$M/kubernetes-sigs/cri-tools/releases/download/v1.35.0/crictl-v1.35.0-linux-amd64.tar.gz"
CNI="$M/containernetworking/plugins/releases/download/v1.9.1/cni-plugins-linux-amd64-v1.9.1.tgz"
size_of() { stat -c %s "$SCRATCH/www/${1#$M/}"; }
TOTAL=$(($(size_of "$K/kubeadm") + $(size_of "$K/kubelet") + $(size_of "$K/kubectl") + $(size_of "$CRICTL") + $(size_of "$CNI")))
LARGEST=$(for u in "$K/kubeadm" "$K/kubelet" "$K/kubectl" "$CRICTL" "$CNI"; do size_of "$u"; done | sort -n | tail -1)

# The clock as bash reads it: no process is started, so nothing but the command timed is timed.
export LC_NUMERIC=C
calc() { python3 -c "print(f'{$1:.3f}')"; }

limit_none() { tc qdisc del dev lo root 2>/dev/null || true; }
limit_shared() {
  limit_none
  tc qdisc add dev lo root tbf rate "${SHARED_MBIT}mbit" burst 1mb latency 200ms
}
limit_per_connection() {
  limit_none
  local batch="$SCRATCH/tc.batch" p id
  {
    echo "qdisc add dev lo root handle 1: htb default ffff"
    echo "class add dev lo parent 1: classid 1:ffff htb rate 100gbit quantum 65536"
    for p in $(seq 40000 40127); do
      id=$(printf '%x' $((p - 40000 + 1)))
      echo "class add dev lo parent 1: classid 1:$id htb rate ${PER_CONN_MBIT}mbit ceil ${PER_CONN_MBIT}mbit burst 128k cburst 128k quantum 65536"
      echo "filter add dev lo parent 1: protocol ip prio 1 u32 match ip dport $p 0xffff flowid 1:$id"
    done
  } >"$batch"
  tc -batch "$batch"
}

# Prints the rate of one download alone, then the total rate of two at once, in MB/s.
check_limiter() {
  local one a b t0 t1
  one=$(curl -fsS --cacert "$CA" -o /dev/null -w '%{speed_download}' "$K/kubelet")
  t0=$EPOCHREALTIME
  curl -fsS --cacert "$CA" -o /dev/null "$K/kubeadm" &
  curl -fsS --cacert "$CA" -o /dev/null "$K/kubeadm"
  wait
  t1=$EPOCHREALTIME
  echo "$(calc "$one/1e6") $(calc "2*$(size_of "$K/kubeadm")/($t1-$t0)/1e6")"
}

upstream_way() {
  local r=$1
  mkdir -p "$r/opt/bin" "$r/opt/cni/bin"
  curl -fsSL --cacert "$CA" -o "$r/opt/bin/kubeadm" "$K/kubeadm"
  curl -fsSL --cacert "$CA" -o "$r/opt/bin/kubelet" "$K/kubelet"
  curl -fsSL --cacert "$CA" -o "$r/opt/bin/kubectl" "$K/kubectl"
  chmod +x "$r/opt/bin/kubeadm" "$r/opt/bin/kubelet" "$r/opt/bin/kubectl"
  curl -fsSL --cacert "$CA" "$CRICTL" | tar -C "$r/opt/bin" -xz
  curl -fsSL --cacert "$CA" "$CNI" | tar -C "$r/opt/cni/bin" -xz
}

# run_kc BINARY ROOT [ARGS]
run_kc() {
  # shellcheck disable=SC2086
  ${KC_WRAP:-} "$1" install --root "$2" --catalog "$SCRATCH/cat/catalog.json" --mirror "$M" \
    --ca-file "$CA" --kubernetes-version 1.36.3 --arch amd64 --log-level "${KC_LOG_LEVEL:-warn}" ${KC_BENCH_ARGS:-} \
    "${@:3}" >"$SCRATCH/kc.out" || { echo "kc-worker install failed" >&2; exit 1; }
}
# After the clock is read: "(280.0 MB in 1.2 s, 13 transfer(s))", the connections kc opened in all
record_transfers() {
  grep -o '[0-9]* transfer(s)' "$SCRATCH/kc.out" | grep -o '^[0-9]*' >>"$1"
}
kc_install() { run_kc "$KC_WORKER" "$@"; }
kc_before() { run_kc "$BEFORE/bootstrap/kc-worker" "$@"; }

# "median min max" of a list of numbers
stats() { sort -n | awk '{v[NR] = $1} END {printf "%s %s %s", v[int((NR + 1) / 2)], v[1], v[NR]}'; }

# RUNS timings of each of two commands, alternating, each on a fresh root; sets BASE and KC to
# "median min max" and TRANSFERS to kc's connections (median min max).
timed_pair() {
  local i t0 t1 a=() b=() c=()
  : >"$SCRATCH/transfers"
  : >"$SCRATCH/transfers.before"
  for i in $(seq 1 "$RUNS"); do
    if [ -n "${BEFORE:-}" ]; then
      rm -rf "$SCRATCH/r"
      t0=$EPOCHREALTIME
      kc_before "$SCRATCH/r"
      t1=$EPOCHREALTIME
      record_transfers "$SCRATCH/transfers.before"
      c+=("$(calc "$t1-$t0")")
    fi
    rm -rf "$SCRATCH/r"
    t0=$EPOCHREALTIME
    "$1" "$SCRATCH/r"
    t1=$EPOCHREALTIME
    a+=("$(calc "$t1-$t0")")
    rm -rf "$SCRATCH/r"
    t0=$EPOCHREALTIME
    "$2" "$SCRATCH/r"
    t1=$EPOCHREALTIME
    record_transfers "$SCRATCH/transfers"
    b+=("$(calc "$t1-$t0")")
  done
  BASE=$(printf '%s\n' "${a[@]}" | stats)
  KC=$(printf '%s\n' "${b[@]}" | stats)
  TRANSFERS=$(stats <"$SCRATCH/transfers")
  echo "  runs: upstream way ${a[*]} s; kc ${b[*]} s"
  if [ -n "${BEFORE:-}" ]; then
    BEFORE_KC=$(printf '%s\n' "${c[@]}" | stats)
    BEFORE_TRANSFERS=$(stats <"$SCRATCH/transfers.before")
    echo "  runs: kc before ($BEFORE) ${c[*]} s"
  fi
}
ratio() { calc "$1/$2"; }
spread() { echo "$(ratio "$2" "$4")-$(ratio "$3" "$4")"; }

printf '\nartifacts: %s bytes in total, largest %s bytes; %s run(s) each, median shown; load average %s\n' \
  "$TOTAL" "$LARGEST" "$RUNS" "$(cut -d' ' -f1-3 /proc/loadavg)"
results=()
for scenario in ${SCENARIOS:-per-connection shared}; do
  if [ "$scenario" = per-connection ]; then
    limit_per_connection
    rate=$((PER_CONN_MBIT * 1000000 / 8))
    bound=$(calc "$LARGEST/$rate")
    read -r ra rb < <(check_limiter)
    printf '\n[%s: %s MB/s per connection] limiter check: one connection %s MB/s, two at once %s MB/s in total\n' \
      "$scenario" "$(calc "$rate/1e6")" "$ra" "$rb"
    bound_name="largest file / per-connection rate"
  else
    limit_shared
    rate=$((SHARED_MBIT * 1000000 / 8))
    bound=$(calc "$TOTAL/$rate")
    read -r ra rb < <(check_limiter)
    printf '\n[%s: %s MB/s in total] limiter check: one connection %s MB/s, two at once %s MB/s in total\n' "$scenario" "$(calc "$rate/1e6")" "$ra" "$rb"
    bound_name="total bytes / shared rate"
  fi
  timed_pair upstream_way kc_install
  read -r base base_min base_max <<<"$BASE"
  read -r kc kc_min kc_max <<<"$KC"
  read -r tr tr_min tr_max <<<"$TRANSFERS"
  printf '  upstream way (sequential curl, no verification): %8s s  = %sx the bound (runs %sx)\n' \
    "$base" "$(ratio "$base" "$bound")" "$(spread "$base" "$base_min" "$base_max" "$bound")"
  printf '  kc-worker install (verified, atomic):            %8s s  = %sx the bound (runs %sx)\n' \
    "$kc" "$(ratio "$kc" "$bound")" "$(spread "$kc" "$kc_min" "$kc_max" "$bound")"
  printf '  kc connections per install: %s (runs %s-%s)\n' "$tr" "$tr_min" "$tr_max"
  if [ -n "${BEFORE:-}" ]; then
    read -r bk bk_min bk_max <<<"$BEFORE_KC"
    read -r btr btr_min btr_max <<<"$BEFORE_TRANSFERS"
    printf '  kc before (%s):  %8s s  = %sx the bound (runs %sx), %s connections (runs %s-%s)\n' \
      "$BEFORE" "$bk" "$(ratio "$bk" "$bound")" "$(spread "$bk" "$bk_min" "$bk_max" "$bound")" \
      "$btr" "$btr_min" "$btr_max"
  fi
  printf '  bound (%s):  %8s s\n' "$bound_name" "$bound"
  printf '  kc / upstream way: %s\n' "$(calc "$kc/$base")"
done
limit_none

# Re-run with everything installed (RERUN=0: not).
[ "${RERUN:-1}" = 1 ] || exit 0
rm -rf "$SCRATCH/r"
kc_install "$SCRATCH/r"
times=()
for i in $(seq 1 5); do
  t0=$EPOCHREALTIME
  kc_install "$SCRATCH/r"
  t1=$EPOCHREALTIME
  times+=("$(calc "$t1-$t0")")
done
printf '\nre-run with everything installed (5 runs): %s s\n' "${times[*]}"
t0=$EPOCHREALTIME
kc_install "$SCRATCH/r" --verify-installed
t1=$EPOCHREALTIME
printf 're-run with --verify-installed (hashes every file): %s s\n' "$(calc "$t1-$t0")"
