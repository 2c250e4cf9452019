// What the operator chose for the instance-store disks (--ephemeral-storage, --ephemeral-fs,
// --ephemeral-device): kc-worker storage and join, kc-leader init.
#pragma once

#include <string>
#include <vector>

#include "common/core/error.h"

namespace kc::storage {

struct StorageOptions {
  bool enabled = true;               // --ephemeral-storage
  std::string filesystem = "ext4";   // --ephemeral-fs: ext4 or xfs
  std::vector<std::string> devices;  // --ephemeral-device: use these instead of discovering
  // Not a flag: the binary kc-storage.service runs at every boot ("PROGRAM storage").
  std::string program = "/opt/bin/kc-worker";
};

// A usage error naming the flag, or nothing.
Status check_storage_options(const StorageOptions& options);

}  // namespace kc::storage
