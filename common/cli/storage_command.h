// The "storage" command of both binaries: prepares the instance-store disks and mounts
// containerd's and kubelet's data on them (common/storage/). kc-storage.service runs it at every
// boot.
#pragma once

#include <string>

#include "common/cli/cli.h"
#include "common/storage/storage_options.h"

namespace kc::cli {

CLI::App* add_storage_command(CLI::App& app, storage::StorageOptions& options);

// `binary` is "kc-worker" or "kc-leader": it names the command in messages, and kc-storage.service
// runs /opt/bin/BINARY storage.
int run_storage_command(const std::string& binary, storage::StorageOptions options,
                        const GlobalOptions& global);

}  // namespace kc::cli
