// The worker user data kc-leader prints for the launch template, built as data in two formats:
//   - Ignition 3.5 JSON (Flatcar's first-boot config): /opt/bin/kc-worker fetched from a URL
//     with its SHA-256 pinned (verification.hash), /etc/kc/join.json (0600) inline, and
//     kc-worker.service enabled, so the node joins at first boot and at every boot after, and
//     kc-storage.service enabled, so the instance store is ready before containerd first starts;
//   - a #!/bin/bash script (run by coreos-cloudinit): fetch kc-worker with retries, check its
//     SHA-256, install it, write the join file 0600, run kc-worker storage (containerd stopped
//     meanwhile), then kc-worker join.
// Flags for every kc-worker join of the node (worker_args: "--mirror URL", "--metadata-endpoint
// URL", ...) go in /etc/kc/kc-worker.env as KC_WORKER_ARGS, which kc-worker.service reads at
// every boot; the shell script's own join at first boot gets them too.
// Both hold the bootstrap token: they are secrets (written 0600, never logged).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "common/core/error.h"
#include "common/join/join_file.h"

namespace kc::join {

enum class UserDataFormat { ignition, shell };

// EC2 refuses user data larger than this (before base64).
inline constexpr std::size_t kUserDataLimit = 16 * 1024;

// Where a worker fetches kc-worker from and the digest that pins it.
struct WorkerBinary {
  std::string url;     // http(s)://...
  std::string sha256;  // 64 lower-case hex digits
};

// "ignition" or "shell"; nullopt-like error otherwise.
Result<UserDataFormat> parse_user_data_format(std::string_view name);
std::string_view format_name(UserDataFormat format);

inline constexpr std::string_view kWorkerEnvPath = "/etc/kc/kc-worker.env";

// The user data; an error when an input is invalid or the result is over kUserDataLimit.
// `worker_args`: kc-worker join flags separated by spaces ("" = none, and no kc-worker.env).
Result<std::string> make_user_data(UserDataFormat format, const JoinFile& join,
                                   const WorkerBinary& kc_worker,
                                   std::string_view worker_args = {});

// The words of `worker_args` joined by one space; an error naming --worker-args for a word with
// a character a shell or systemd would read specially, or for join data that belong in the join
// file (the token would be in a file readable by all).
Result<std::string> normalize_worker_args(std::string_view worker_args);

}  // namespace kc::join
