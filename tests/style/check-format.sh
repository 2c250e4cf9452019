#!/usr/bin/env bash
# Checks that every tracked C and C++ file is formatted as the root .clang-format says; names the
# files that are not. Fix them with: clang-format -i FILE...
# The reference is Debian bookworm's clang-format (14); other versions may format differently.
set -uo pipefail
cd "$(dirname "$0")/../.."

command -v clang-format >/dev/null || {
  echo "format: clang-format is not installed (packaging/install-deps.sh installs it)"
  exit 1
}
version=$(clang-format --version | grep -oE '[0-9]+\.[0-9]+\.[0-9]+' | head -n 1)
[ "${version%%.*}" = 14 ] || echo "format: warning: clang-format $version, CI uses 14"

if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
  mapfile -t files < <(git ls-files -- '*.cpp' '*.h' '*.c')
else
  mapfile -t files < <(find agent bootstrap common tests -name '*.cpp' -o -name '*.h' -o -name '*.c' | sort)
fi
[ "${#files[@]}" -gt 0 ] || { echo "format: no C or C++ files found"; exit 1; }

out=$(clang-format --dry-run -Werror "${files[@]}" 2>&1)
status=$?
if [ "$status" = 0 ]; then
  echo "format: ${#files[@]} files checked, all formatted"
  exit 0
fi
mapfile -t bad < <(grep -oE '^[^:]+:[0-9]+:[0-9]+: error' <<<"$out" | cut -d: -f1 | sort -u)
echo "$out" | head -n 40
echo "format: ${#bad[@]} of ${#files[@]} files not formatted (fix: clang-format -i FILE...):"
printf '  %s\n' "${bad[@]}"
exit 1
