#!/usr/bin/env bash
# Runs cppcheck over kc's sources with the project's include path and C++20, and fails on any
# finding not listed in tests/style/cppcheck-suppressions.txt (each entry there says why).
set -uo pipefail
cd "$(dirname "$0")/../.."

command -v cppcheck >/dev/null || {
  echo "cppcheck: not installed (packaging/install-deps.sh installs it)"
  exit 1
}

out=$(mktemp)
trap 'rm -f "$out"' EXIT
# --enable=warning,style,performance,portability: everything but "information" (system headers
# are not on the include path on purpose, which keeps the run to seconds) and unusedFunction
# (unreliable with -j and across static libraries).
cppcheck --std=c++20 -I. \
  --enable=warning,style,performance,portability \
  --suppressions-list=tests/style/cppcheck-suppressions.txt \
  --inline-suppr --error-exitcode=1 --quiet -j 2 \
  --template='{file}:{line}: {severity} [{id}] {message}' \
  agent bootstrap common tests 2>"$out"
status=$?
# The same finding is reported once per template instantiation; show each once.
findings=$(sort -u "$out")
if [ "$status" = 0 ] && [ -z "$findings" ]; then
  echo "cppcheck: no findings"
  exit 0
fi
echo "$findings"
echo "cppcheck: $(grep -c . <<<"$findings") finding(s); fix them, or add a suppression with a reason to tests/style/cppcheck-suppressions.txt"
exit 1
