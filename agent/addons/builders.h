// One builder per add-on: its Kubernetes objects as data, from the resolved settings and the
// version-table row. Each builder's file names the upstream release its facts come from.
#pragma once

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

#include "agent/addons/settings.h"
#include "agent/addons/versions.h"

namespace kc::addons {

using Objects = std::vector<nlohmann::json>;

Objects flannel_objects(const AddonSettings& settings, const AddonVersions& versions);
Objects cloud_controller_manager_objects(const AddonSettings& settings,
                                         const AddonVersions& versions);
Objects csr_approver_objects(const AddonSettings& settings, const AddonVersions& versions);
Objects cluster_autoscaler_objects(const AddonSettings& settings, const AddonVersions& versions);
Objects metrics_server_objects(const AddonSettings& settings, const AddonVersions& versions);

// metrics-server's requests for a cluster of at most max_nodes nodes (its README's "Scaling").
struct MetricsServerResources {
  int cpu_millis = 100;
  int memory_mebibytes = 200;
};
MetricsServerResources metrics_server_resources(int max_nodes);

// The pieces every builder uses.
namespace build {

// apiVersion, kind and metadata (name, namespace when given, labels with
// app.kubernetes.io/managed-by: kc added).
nlohmann::json object(const char* api_version, const char* kind, const std::string& name,
                      const std::string& namespace_ = "", nlohmann::json labels = nullptr);

// One RBAC rule.
nlohmann::json rule(std::vector<std::string> groups, std::vector<std::string> resources,
                    std::vector<std::string> verbs, std::vector<std::string> names = {});

// A binding (ClusterRoleBinding without a namespace, else RoleBinding) of a role to a service
// account.
nlohmann::json binding(const std::string& name, const std::string& namespace_,
                       const char* role_kind, const std::string& role, const std::string& account,
                       const std::string& account_namespace);

// The scheduling of the control-plane add-ons: kubeadm's control-plane label (value "") and a
// toleration of its taint with operator Exists (the taint has no value).
nlohmann::json control_plane_selector();
nlohmann::json control_plane_toleration();

// {"name": NAME, "value": VALUE}.
nlohmann::json env(const std::string& name, const std::string& value);

}  // namespace build
}  // namespace kc::addons
