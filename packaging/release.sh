#!/usr/bin/env bash
# Builds the release binaries: fully static, stripped, with a SHA256SUMS file beside them.
#   packaging/release.sh [OUTDIR]      (default: dist/)
# The worker user data pins kc-worker by the digest printed here.
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-dist}

packaging/install-deps.sh
rm -rf build-release
meson setup build-release -Dstatic=true >/dev/null
meson compile -C build-release kc-leader kc-worker >/dev/null

mkdir -p "$out"
for bin in build-release/agent/kc-leader build-release/bootstrap/kc-worker; do
  file -L "$bin" | grep -q "statically linked" || { echo "release: $bin is not static" >&2; exit 1; }
  strip -o "$out/$(basename "$bin")" "$bin"
done
(cd "$out" && sha256sum kc-leader kc-worker >SHA256SUMS)
for f in kc-leader kc-worker; do
  printf '%-10s %9d bytes  %s\n' "$f" "$(stat -c %s "$out/$f")" "$(grep " $f\$" "$out/SHA256SUMS" | cut -d' ' -f1)"
done
