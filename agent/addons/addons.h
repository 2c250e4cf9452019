// Every add-on kc applies, as data, in the order init applies them: flannel, the AWS
// cloud-controller-manager, kubelet-csr-approver, cluster-autoscaler, metrics-server, then
// kc-cleanup's RBAC and the inventory (the ConfigMap kube-system/kc-addons listing all of them,
// so a later run can name what kc applied before and no longer ships).
#pragma once

#include <string>
#include <vector>

#include "agent/addons/builders.h"
#include "common/kube/kube_apply.h"

namespace kc::addons {

inline constexpr const char* kInventoryNamespace = "kube-system";
inline constexpr const char* kInventoryName = "kc-addons";

struct Addon {
  std::string name;  // "flannel", "metrics-server", "kc-cleanup-rbac", "inventory"
  std::vector<kube::ApplyObject> objects;  // checked, in dependency order
};

// Validates the settings, picks the version-table row and builds every add-on.
Result<std::vector<Addon>> build_addons(const AddonSettings& settings);

// One add-on's documents exactly as they are applied, as a YAML stream.
std::string render_addon(const Addon& addon);

}  // namespace kc::addons
