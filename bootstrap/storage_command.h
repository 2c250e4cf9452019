// "kc-worker storage": prepares the instance-store disks and mounts containerd's and kubelet's
// data on them (common/storage/). kc-storage.service runs it at every boot.
#pragma once

#include "common/cli/cli.h"
#include "common/storage/storage_steps.h"

namespace kc::worker {

CLI::App* add_storage_command(CLI::App& app, storage::StorageOptions& options);
int run_storage_command(const storage::StorageOptions& options, const cli::GlobalOptions& global);

}  // namespace kc::worker
