// The systemd units that put containerd's and kubelet's data on the instance store: a mount
// unit for kc's filesystem at /var/mnt/ephemeral, bind mounts of its directories onto
// /var/lib/containerd, /var/lib/kubelet and /var/log/pods, all ordered before containerd.service
// and kubelet.service, and kc-storage.service, which prepares the disks and starts those mounts
// at every boot before containerd and kubelet.
#pragma once

#include <string>
#include <vector>

#include "common/storage/storage_options.h"
#include "common/systemd/units_step.h"

namespace kc::storage {

inline constexpr const char* kMountPoint = "/var/mnt/ephemeral";

// A directory of kc's filesystem bind-mounted over a host directory.
struct BindMount {
  std::string source;  // "/var/mnt/ephemeral/containerd"
  std::string target;  // "/var/lib/containerd"
};
const std::vector<BindMount>& bind_mounts();

// systemd-escape --path: "/var/lib/containerd" -> "var-lib-containerd".
std::string escape_unit_path(const std::string& path);
// "var-lib-containerd.mount".
std::string mount_unit_name(const std::string& path);

// var-mnt-ephemeral.mount (with kc-ephemeral.target, which its [Install] names).
UnitSpec filesystem_mount_unit();
// One bind mount unit per bind_mounts(), then kc-storage.service (enabled, not started).
std::vector<UnitSpec> bind_mount_units(const StorageOptions& options);
// kc-storage.service alone: at every boot, "PROGRAM storage" with the options' filesystem and
// devices (the defaults: what the worker user data enables); ordered before containerd.service,
// kubelet.service and kc-worker.service. The worker user data enables it too, so that at first
// boot the disks are ready before containerd first starts (kc-worker.service needs containerd
// running).
std::string storage_service_unit(const StorageOptions& options);

}  // namespace kc::storage
