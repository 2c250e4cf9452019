#!/usr/bin/env bash
# Installs everything kc needs to build and test, from Debian bookworm's packages only.
set -euo pipefail

build_deps=(
  g++ meson ninja-build pkg-config python3 git file
  # libraries; their static archives (.a) are what the release binaries link
  libcurl4-openssl-dev libssl-dev libarchive-dev libdbus-1-dev
  libnghttp2-dev libidn2-dev libssh2-1-dev libpsl-dev libunistring-dev
  libzstd-dev libbrotli-dev zlib1g-dev
  libyaml-cpp-dev               # YAML: kubeconfigs and the RBAC manifest
  libevent-dev                  # evhttp: kc-serve, the static HTTP server on the leader
  # header-only
  nlohmann-json3-dev libspdlog-dev libfmt-dev libcli11-dev doctest-dev
)
test_deps=(
  openssl nginx-light           # real HTTPS server and test certificates
  debootstrap systemd-container # a real systemd as PID 1 for the D-Bus tests
  dbus                          # dbus-daemon: a bus without systemd (systemd-unreachable test)
  iproute2 python3-jsonschema
  curl                          # baseline of tests/bench/assets_bench.sh; drives the API stand-in's control port
  jq                            # the upstream cleanup pipeline, baseline of tests/bench/cleanup_bench.sh
  clang-format cppcheck         # tests/style: formatting and static analysis
  mdadm xfsprogs e2fsprogs      # tests/integration/storage_*: RAID0 and filesystems on loop devices
  clang libclang-rt-14-dev      # tests/fuzz: libFuzzer targets (clang's fuzzer runtime)
)

# Nothing to do when every package is already installed (keeps tests/run fast).
missing=$(dpkg-query -W -f='${db:Status-Status} ${Package}\n' "${build_deps[@]}" "${test_deps[@]}" 2>&1 |
  grep -v '^installed ' || true)
[ -n "$missing" ] || exit 0

export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${build_deps[@]}" "${test_deps[@]}" >/dev/null
echo "kc: build and test dependencies installed"
