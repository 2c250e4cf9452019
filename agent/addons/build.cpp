#include "agent/addons/builders.h"

namespace kc::addons::build {

using nlohmann::json;

json object(const char* api_version, const char* kind, const std::string& name,
            const std::string& namespace_, json labels) {
  if (!labels.is_object()) labels = json::object();
  labels["app.kubernetes.io/managed-by"] = "kc";
  json metadata{{"name", name}, {"labels", std::move(labels)}};
  if (!namespace_.empty()) metadata["namespace"] = namespace_;
  return json{{"apiVersion", api_version}, {"kind", kind}, {"metadata", std::move(metadata)}};
}

json rule(std::vector<std::string> groups, std::vector<std::string> resources,
          std::vector<std::string> verbs, std::vector<std::string> names) {
  json r{{"apiGroups", std::move(groups)},
         {"resources", std::move(resources)},
         {"verbs", std::move(verbs)}};
  if (!names.empty()) r["resourceNames"] = std::move(names);
  return r;
}

json binding(const std::string& name, const std::string& namespace_, const char* role_kind,
             const std::string& role, const std::string& account,
             const std::string& account_namespace) {
  json b = object("rbac.authorization.k8s.io/v1",
                  namespace_.empty() ? "ClusterRoleBinding" : "RoleBinding", name, namespace_);
  b["roleRef"] = {{"apiGroup", "rbac.authorization.k8s.io"}, {"kind", role_kind}, {"name", role}};
  b["subjects"] = json::array(
      {{{"kind", "ServiceAccount"}, {"name", account}, {"namespace", account_namespace}}});
  return b;
}

json control_plane_selector() {
  return {{"node-role.kubernetes.io/control-plane", ""}, {"kubernetes.io/os", "linux"}};
}

json control_plane_toleration() {
  return {{"key", "node-role.kubernetes.io/control-plane"},
          {"operator", "Exists"},
          {"effect", "NoSchedule"}};
}

json env(const std::string& name, const std::string& value) {
  return {{"name", name}, {"value", value}};
}

}  // namespace kc::addons::build
