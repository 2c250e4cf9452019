// The worker user data kc-leader prints for the launch template, built as data in two formats:
//   - Ignition 3.5 JSON (Flatcar's first-boot config): /opt/bin/kc-worker fetched from a URL
//     with its SHA-256 pinned (verification.hash), /etc/kc/join.json (0600) inline, and
//     kc-worker.service enabled, so the node joins at first boot and at every boot after, and
//     kc-storage.service enabled, so the instance store is ready before containerd first starts;
//   - a #!/bin/bash script (run by coreos-cloudinit): fetch kc-worker with retries, check its
//     SHA-256, install it, write the join file 0600, run kc-worker storage (containerd stopped
//     meanwhile), then kc-worker join.
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

// The user data; an error when an input is invalid or the result is over kUserDataLimit.
Result<std::string> make_user_data(UserDataFormat format, const JoinFile& join,
                                   const WorkerBinary& kc_worker);

}  // namespace kc::join
