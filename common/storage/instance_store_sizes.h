// The instance-store capacity of common EC2 instance types, for the cluster autoscaler's
// node-template tag k8s.io/cluster-autoscaler/node-template/resources/ephemeral-storage: a
// worker whose containerd and kubelet data live on the instance store (kc-worker storage) has
// that much ephemeral storage, not the root volume's size.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

namespace kc::storage {

struct InstanceStore {
  int disks = 0;
  std::uint64_t disk_gb = 0;  // per disk, in GB (10^9 bytes), as AWS lists them
  std::uint64_t total_gb() const { return static_cast<std::uint64_t>(disks) * disk_gb; }
};

// The instance store of a type ("m5d.2xlarge"), or nullopt for a type without one or one the
// table does not know (then the tag should come from a flag, or be left out).
std::optional<InstanceStore> instance_store_for(std::string_view instance_type);

// The tag's value for a type: "300G" for m5d.2xlarge (GB, as Kubernetes' "G" suffix means), or
// nullopt as above.
std::optional<std::string> ephemeral_storage_quantity(std::string_view instance_type);

// The launch template tag for it: {kNodeTemplateEphemeralStorageTagKey (common/aws/cluster_tags.h),
// "300G"}, or nullopt as above.
std::optional<std::pair<std::string, std::string>> ephemeral_storage_tag(
    std::string_view instance_type);

}  // namespace kc::storage
