// The steps of "kc-worker storage" (also the storage phase of join, and of init with
// --ephemeral-storage): find and prepare the instance-store disks, mount kc's filesystem at
// /var/mnt/ephemeral, make its data directories, bind-mount them over containerd's and kubelet's
// directories, and install kc-storage.service so all of it happens again at every boot.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "common/aws/identity.h"
#include "common/core/plan.h"
#include "common/storage/block_devices.h"
#include "common/storage/storage_options.h"
#include "common/systemd/units_step.h"

namespace kc::storage {

// The seams the steps use; each defaults to the real one.
struct StorageSeams {
  std::shared_ptr<BlockDevices> devices;  // default: ProgramBlockDevices
  // Called at most once, only on instances with Xen block devices; default: IMDSv2.
  std::function<std::unique_ptr<aws::InstanceMetadata>()> metadata;
  UnitsStep::Connect connect;  // default: SystemdManager::connect
};

// Adds the storage steps to `phase` (nothing when options.enabled is false).
void add_storage_steps(Phase& phase, const StorageOptions& options, StorageSeams seams = {});

}  // namespace kc::storage
