#!/usr/bin/env bash
# One smoke pass of a libFuzzer target: RUNS inputs, starting from the seed corpus (read only:
# what the fuzzer finds goes to a scratch directory). A crash fails the test and is kept in the
# scratch directory, whose path is printed: copy it into the corpus with the fix.
set -euo pipefail
target=$1 corpus=$2 runs=$3
scratch=$(mktemp -d /tmp/kc-fuzz-XXXXXX)
echo "$(basename "$target"): $runs runs over $corpus (new inputs and crashes in $scratch)"
"$target" -runs="$runs" -max_len=65536 -timeout=10 -rss_limit_mb=2048 \
  -artifact_prefix="$scratch/" "$scratch" "$corpus"
rm -rf "$scratch"
