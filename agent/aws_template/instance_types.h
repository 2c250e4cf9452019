// The EC2 instance types kc knows: their CPU architecture (the AMI and the kc-worker binary in
// the user data must match it), and the one place that derives the ephemeral-storage capacity
// cluster-autoscaler assumes for a worker of an empty group.
#pragma once

#include <optional>
#include <string>

#include "common/core/error.h"

namespace kc::aws_template {

struct InstanceTypeInfo {
  std::string arch;  // "amd64" or "arm64", as kc's --arch
};

// "m7i.large" -> amd64; nullopt for a type kc does not know (a malformed name included).
std::optional<InstanceTypeInfo> instance_type_info(const std::string& type);

// The same, as an error naming `flag` for an unknown type.
Result<InstanceTypeInfo> known_instance_type(const std::string& type, const std::string& flag);

// The value of the k8s.io/cluster-autoscaler/node-template/resources/ephemeral-storage tag: the
// override (--ephemeral-storage) when given; else, for a type with instance-store disks in
// common/storage's table (kc-worker join puts pods' data there by default), what the kubelet
// offers pods on them ("264G" for m5d.2xlarge, in GB as AWS sizes the disks); else what it
// offers on a root volume of this size ("26Gi" for 32 GiB).
std::string ephemeral_storage_quantity(int root_volume_gib, const std::string& instance_type,
                                       const std::string& override_quantity);

// A Kubernetes quantity as the tag takes it: "100Gi", "100G", "107374182400".
bool is_storage_quantity(const std::string& text);

}  // namespace kc::aws_template
