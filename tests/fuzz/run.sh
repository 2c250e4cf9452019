#!/usr/bin/env bash
# Builds kc's libFuzzer targets with clang (ASan + UBSan, every source instrumented) in
# build-fuzz/ and runs them.
#   tests/fuzz/run.sh            the smoke pass CI runs (a fixed number of runs per target)
#   tests/fuzz/run.sh long T S   runs target T (fuzz-tar, fuzz-parsers) for S seconds, on 2 jobs,
#                                adding what it finds to a scratch copy of its corpus
set -euo pipefail
cd "$(dirname "$0")/../.."
if [ ! -d build-fuzz ]; then
  CC=clang CXX=clang++ meson setup build-fuzz -Dfuzz=true -Dstatic=false \
    -Db_sanitize=address,undefined -Db_lundef=false -Dbuildtype=debug -Doptimization=1 >/dev/null
fi
nice -n 10 ninja -C build-fuzz tests/fuzz/fuzz-tar tests/fuzz/fuzz-parsers
if [ "${1:-smoke}" = smoke ]; then
  exec meson test -C build-fuzz --no-rebuild --suite fuzz --print-errorlogs
fi
target=$2 seconds=$3
corpus=tests/fuzz/corpus/$([ "$target" = fuzz-tar ] && echo tar || echo parsers)
work=$(mktemp -d /tmp/kc-fuzz-long-XXXXXX)
echo "new inputs and crashes in $work"
exec "build-fuzz/tests/fuzz/$target" -max_total_time="$seconds" -jobs=2 -workers=2 \
  -max_len=65536 -timeout=10 -artifact_prefix="$work/" "$work" "$corpus"
