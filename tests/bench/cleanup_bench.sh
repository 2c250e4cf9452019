#!/usr/bin/env bash
# Benchmark (issue 5): kc-leader cleanup against the upstream pipeline
# (kubectl get nodes -o json | jq FILTER, every 30 s), both against the Kubernetes API server
# STAND-IN (tests/servers/kube_apiserver_standin.py) holding 5,000 Nodes shaped like real ones
# (~8 KB each as the API server sends them, mostly status.images and conditions). Everything is
# measured in the same run; the script prints figures and ratios, it asserts nothing.
#
# usage: tests/bench/cleanup_bench.sh BUILDDIR [NODES] [COMPRESSION]
#   COMPRESSION: how many times faster than real time the simulated hour runs (default 30:
#   120 s). kc's CPU for a real hour = its CPU over the compressed hour (the same 60,000 watch
#   events a real hour brings, and the relists of --resync 10m, compressed likewise) + its idle
#   CPU rate, measured, times the rest of the hour.
#   KC_LEADER=FILE measures another kc-leader binary (an older build, for before/after).
set -euo pipefail
BUILD=${1:?usage: $0 BUILDDIR [NODES] [COMPRESSION]}
NODES=${2:-5000}
COMPRESSION=${3:-30}
KC_SOURCE_ROOT=$(cd "$(dirname "$0")/../.." && pwd)
KC_LEADER=$(realpath "${KC_LEADER:-$BUILD/agent/kc-leader}")
source "$KC_SOURCE_ROOT/tests/integration/lib.sh"
source "$KC_SOURCE_ROOT/tests/integration/kube_lib.sh"
for tool in kubectl jq /usr/bin/time; do command -v "$tool" >/dev/null || skip "$tool is not installed"; done
export HOME=$SCRATCH  # kubectl's discovery cache

# The upstream filter: Ready Unknown, tainted ToBeDeletedByClusterAutoscaler and unreachable.
FILTER='.items[] | select(any(.spec.taints[]?; .key == "ToBeDeletedByClusterAutoscaler"))
  | select(any(.spec.taints[]?; .key == "node.kubernetes.io/unreachable"))
  | select(any(.status.conditions[]?; .type == "Ready" and .status == "Unknown"))
  | .metadata.name'

make_kube_pki "$SCRATCH/pki"
start_standin "$SCRATCH/pki" --generate "$NODES" --generate-doomed 5
KCFG="$SCRATCH/kubeconfig"
write_kubeconfig "$KCFG" "$API_URL" "$SCRATCH/pki/ca.pem" "$SCRATCH/pki/client.pem" "$SCRATCH/pki/client.key"
list_bytes() { state 's["bytes_sent"]["list"]'; }
watch_bytes() { state 's["bytes_sent"]["watch"]'; }
median() { sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
field() { awk -v f="$2" '{print $f}' "$1"; }

echo "== 1. one sweep, $NODES nodes ($(state 'len(s["nodes"])') in the stand-in)"
# A warm-up of each (kubectl fills its discovery cache, as in the upstream loop).
"$KC_LEADER" cleanup --kubeconfig "$KCFG" --once --dry-run --max-deletions 100 >/dev/null 2>&1
kubectl --kubeconfig "$KCFG" get nodes -o json | jq -r "$FILTER" >/dev/null
for run in 1 2 3; do
  b0=$(list_bytes)
  t0=$(date +%s%N)
  /usr/bin/time -f '%U %S %M' -o "$SCRATCH/kc.$run" \
    "$KC_LEADER" cleanup --kubeconfig "$KCFG" --once --dry-run --max-deletions 100 2>"$SCRATCH/kc.log"
  t1=$(date +%s%N)
  b1=$(list_bytes)
  { /usr/bin/time -f '%U %S %M' -o "$SCRATCH/kubectl.$run" kubectl --kubeconfig "$KCFG" get nodes -o json |
    /usr/bin/time -f '%U %S %M' -o "$SCRATCH/jq.$run" jq -r "$FILTER" >"$SCRATCH/jq.out"; }
  t2=$(date +%s%N)
  b2=$(list_bytes)
  kc_found=$(grep -c 'would delete node' "$SCRATCH/kc.log" || true)
  jq_found=$(wc -l <"$SCRATCH/jq.out")
  [ "$kc_found" = "$jq_found" ] || echo "WARNING: kc found $kc_found nodes, the pipeline $jq_found"
  echo "$(((t1 - t0) / 1000000)) $(awk '{print $1 + $2, $3}' "$SCRATCH/kc.$run") $((b1 - b0))" >>"$SCRATCH/kc.runs"
  echo "$(((t2 - t1) / 1000000)) $(paste "$SCRATCH/kubectl.$run" "$SCRATCH/jq.$run" |
    awk '{print $1 + $2 + $4 + $5, ($3 > $6 ? $3 : $6), $3, $6}') $((b2 - b1))" >>"$SCRATCH/up.runs"
done
# columns: wall_ms cpu_s peak_kb [kubectl_kb jq_kb] bytes
kc_wall=$(field "$SCRATCH/kc.runs" 1 | median); up_wall=$(field "$SCRATCH/up.runs" 1 | median)
kc_cpu=$(field "$SCRATCH/kc.runs" 2 | median); up_cpu=$(field "$SCRATCH/up.runs" 2 | median)
kc_rss=$(field "$SCRATCH/kc.runs" 3 | median); up_rss=$(field "$SCRATCH/up.runs" 3 | median)
kubectl_rss=$(field "$SCRATCH/up.runs" 4 | median); jq_rss=$(field "$SCRATCH/up.runs" 5 | median)
kc_bytes=$(field "$SCRATCH/kc.runs" 4 | median); up_bytes=$(field "$SCRATCH/up.runs" 6 | median)
printf '%-28s %14s %14s %10s\n' "median of 3" "kc --once" "kubectl|jq" "ratio"
printf '%-28s %14s %14s %10s\n' "wall time (ms)" "$kc_wall" "$up_wall" "$(awk -v a="$up_wall" -v b="$kc_wall" 'BEGIN{printf "%.1fx", a/b}')"
printf '%-28s %14s %14s %10s\n' "CPU time (s, user+sys)" "$kc_cpu" "$up_cpu" "$(awk -v a="$up_cpu" -v b="$kc_cpu" 'BEGIN{printf "%.1fx", a/b}')"
printf '%-28s %14s %14s %10s\n' "peak RSS (MiB)" "$(awk -v k="$kc_rss" 'BEGIN{printf "%.1f", k/1024}')" \
  "$(awk -v k="$up_rss" 'BEGIN{printf "%.1f", k/1024}')" "$(awk -v a="$up_rss" -v b="$kc_rss" 'BEGIN{printf "%.1fx", a/b}')"
printf '%-28s %14s %14s\n' "  (kubectl / jq peak MiB)" "" "$(awk -v a="$kubectl_rss" -v b="$jq_rss" 'BEGIN{printf "%.0f / %.0f", a/1024, b/1024}')"
printf '%-28s %14s %14s %10s\n' "bytes received (lists)" "$kc_bytes" "$up_bytes" "$(awk -v a="$up_bytes" -v b="$kc_bytes" 'BEGIN{printf "%.2fx", a/b}')"

SIM_SECONDS=$((3600 / COMPRESSION))
RATE=$(awk -v n="$NODES" -v c="$COMPRESSION" 'BEGIN{printf "%.1f", n / 300 * c}')
RESYNC=$((600 / COMPRESSION))  # kc's default --resync 10m, compressed (at least 10 s)
[ "$RESYNC" -ge 10 ] || RESYNC=10
echo
echo "== 2. steady state: a simulated hour in ${SIM_SECONDS} s (x$COMPRESSION), every node updated every 5 min ($RATE updates/s), a relist every ${RESYNC} s, 4 nodes scaled away"
"$KC_LEADER" cleanup --kubeconfig "$KCFG" --max-deletions 100 --resync "${RESYNC}s" >"$SCRATCH/daemon.log" 2>&1 &
KC=$!
on_exit "kill $KC 2>/dev/null"
listed() { grep -q 'watching' "$SCRATCH/daemon.log"; }
wait_for "kc's first list" 30 listed
sleep 2  # the five nodes from part 1 are deleted right after the first list
# CPU time in seconds with nanosecond resolution: schedstat of every thread of the process.
cpu_of() { cat /proc/"$1"/task/*/schedstat | awk '{ns += $1} END {printf "%.6f", ns / 1e9}'; }
rss_of() { awk -v k="$2" '$1 == k":" {print $2}' "/proc/$1/status"; }
# The peak after the first list, then (clear_refs 5 resets VmHWM) the peak over the hour's relists.
first_hwm=$(rss_of "$KC" VmHWM); first_rss=$(rss_of "$KC" VmRSS)
echo 5 >"/proc/$KC/clear_refs" 2>/dev/null || echo "WARNING: cannot reset VmHWM; the peak below includes the first list"
c0=$(cpu_of "$KC"); lb0=$(list_bytes); wb0=$(watch_bytes)
ctl "{\"op\":\"churn\",\"per_second\":$RATE,\"seconds\":$SIM_SECONDS}"
start=$(date +%s.%N)
latencies=()
for k in 1 2 3 4; do
  sleep $((SIM_SECONDS / 4 - 2))
  name="scaled-away-$k"
  put=$(date +%s.%N)
  ctl '{"op":"put","nodes":[{"name":"'"$name"'","ready":"Unknown","ready_for":3600,"taints":["ToBeDeletedByClusterAutoscaler","node.kubernetes.io/unreachable"]}]}'
  gone() { [ "$(state "[d['time'] for d in s['deleted'] if d['name']=='$1']")" != "[]" ]; }
  wait_for "$name deleted" 30 gone "$name"
  at=$(state "[d['time'] for d in s['deleted'] if d['name']=='$name'][0]")
  latencies+=("$(awk -v a="$at" -v p="$put" 'BEGIN{printf "%.2f", a - p}')")
done
while awk -v s="$start" -v n="$(date +%s.%N)" -v d="$SIM_SECONDS" 'BEGIN{exit !(n - s < d + 1)}'; do sleep 0.5; done
c1=$(cpu_of "$KC"); lb1=$(list_bytes); wb1=$(watch_bytes)
rss=$(rss_of "$KC" VmRSS); hwm=$(rss_of "$KC" VmHWM)
kill -0 "$KC" || fail "kc exited"
# The idle rate, from a daemon that does not relist (the hour's relists are all in the
# compressed window already; the compressed --resync would otherwise be counted again).
kill "$KC"; wait "$KC" 2>/dev/null || true
"$KC_LEADER" cleanup --kubeconfig "$KCFG" --max-deletions 100 --resync 1h >"$SCRATCH/idle.log" 2>&1 &
KC=$!
on_exit "kill $KC 2>/dev/null"
idle_listed() { grep -q 'watching' "$SCRATCH/idle.log"; }
wait_for "kc's first list (idle)" 30 idle_listed
sleep 2
c1i=$(cpu_of "$KC")
sleep 20
c2=$(cpu_of "$KC")
kill -0 "$KC" || fail "kc exited"
idle_rate=$(awk -v a="$c1i" -v b="$c2" 'BEGIN{print (b - a) / 20}')
kc_hour=$(awk -v a="$c0" -v b="$c1" -v r="$idle_rate" -v s="$SIM_SECONDS" 'BEGIN{printf "%.2f", (b - a) + r * (3600 - s)}')
up_hour=$(awk -v c="$up_cpu" 'BEGIN{printf "%.1f", c * 120}')
kc_hour_bytes=$(((lb1 - lb0) + (wb1 - wb0)))
up_hour_bytes=$((up_bytes * 120))
echo "kc CPU over the compressed hour: $(awk -v a="$c0" -v b="$c1" 'BEGIN{printf "%.2f", b - a}') s; idle: $(awk -v r="$idle_rate" 'BEGIN{printf "%.6f", r}') s/s"
printf '%-34s %14s %14s %10s\n' "per hour" "kc (watch)" "upstream loop" "ratio"
printf '%-34s %14s %14s %10s\n' "CPU (s)" "$kc_hour" "$up_hour" "$(awk -v a="$up_hour" -v b="$kc_hour" 'BEGIN{printf "%.0fx", a/b}')"
printf '%-34s %14s %14s\n' "resident memory (MiB; kc now/peak)" \
  "$(awk -v a="$rss" -v b="$hwm" 'BEGIN{printf "%.1f/%.1f", a/1024, b/1024}')" "$(awk -v k="$kubectl_rss" 'BEGIN{printf "%.0f peak", k/1024}')"
printf '%-34s %14s\n' "  after the first list (now/peak)" "$(awk -v a="$first_rss" -v b="$first_hwm" 'BEGIN{printf "%.1f/%.1f", a/1024, b/1024}')"
echo "relists in the hour: $(awk -v a="$((lb1 - lb0))" -v b="$kc_bytes" 'BEGIN{printf "%.1f", a/b}') (list bytes / one list's; the peak above is over them and the watch, VmHWM reset after the first list)"
printf '%-34s %14s %14s %10s\n' "bytes received" "$kc_hour_bytes" "$up_hour_bytes" "$(awk -v a="$up_hour_bytes" -v b="$kc_hour_bytes" 'BEGIN{printf "%.2fx", a/b}')"
printf '%-34s %14s %14s\n' "  of which watch (uncompressed)" "$((wb1 - wb0))" "0"
printf '%-34s %14s %14s\n' "  of which lists" "$((lb1 - lb0))" "$up_hour_bytes"
echo "deletion latency after meeting the rule and grace (s): ${latencies[*]} (upstream: up to 30 s plus a sweep of ${up_wall} ms)"
echo "watch events delivered in the hour: $(state 's.get("churned", 0)') status updates + the scaled-away nodes"
