#!/usr/bin/env bash
# Builds kc's libFuzzer targets with clang (ASan + UBSan, every source instrumented) in
# build-fuzz/ and runs them.
#   tests/fuzz/run.sh            the smoke pass CI runs (a fixed number of runs per target); like
#                                tests/run it prints "build: N s", "suite: N s" and last
#                                "N passed, N failed" (one test per target)
#   tests/fuzz/run.sh long T S   runs target T (fuzz-tar, fuzz-parsers) for S seconds, on 2 jobs,
#                                adding what it finds to a scratch copy of its corpus
set -uo pipefail
cd "$(dirname "$0")/../.."
if [ ! -f build-fuzz/build.ninja ]; then
  CC=clang CXX=clang++ meson setup build-fuzz -Dfuzz=true -Dstatic=false \
    -Db_sanitize=address,undefined -Db_lundef=false -Dbuildtype=debug -Ddebug=false \
    -Doptimization=1 -Dcpp_args=-g1 -Dc_args=-g1 >/dev/null ||
    { echo "0 passed, 1 failed"; exit 1; }
fi
start=$SECONDS
nice -n 10 ninja -C build-fuzz tests/fuzz/fuzz-tar tests/fuzz/fuzz-parsers
build_status=$?
echo "build: $((SECONDS - start)) s"
if [ "$build_status" != 0 ]; then
  echo "0 passed, 1 failed"
  exit 1
fi
if [ "${1:-smoke}" = smoke ]; then
  rm -f build-fuzz/meson-logs/testlog.json
  start=$SECONDS
  meson test -C build-fuzz --no-rebuild --suite fuzz --print-errorlogs
  status=$?
  echo "suite: $((SECONDS - start)) s"
  log=build-fuzz/meson-logs/testlog.json
  if [ -s "$log" ]; then
    python3 - "$log" <<'PY'
import json, sys
results = [json.loads(line)["result"] for line in open(sys.argv[1])]
print(f'{sum(r == "OK" for r in results)} passed, {sum(r != "OK" for r in results)} failed')
PY
  else
    echo "0 passed, 1 failed"
    status=1
  fi
  exit $status
fi
set -e
target=$2 seconds=$3
corpus=tests/fuzz/corpus/$([ "$target" = fuzz-tar ] && echo tar || echo parsers)
work=$(mktemp -d /tmp/kc-fuzz-long-XXXXXX)
echo "new inputs and crashes in $work"
exec "build-fuzz/tests/fuzz/$target" -max_total_time="$seconds" -jobs=2 -workers=2 \
  -max_len=65536 -timeout=10 -artifact_prefix="$work/" "$work" "$corpus"
