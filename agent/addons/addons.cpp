#include "agent/addons/addons.h"

#include "agent/cleanup_credentials.h"
#include "common/core/yaml.h"
#include "common/kube/kube_inventory.h"

namespace kc::addons {

Result<std::vector<Addon>> build_addons(const AddonSettings& settings) {
  KC_TRY(validate_settings(settings));
  auto versions = addon_versions(settings.kubernetes_version);
  if (!versions) return std::move(versions).error();
  auto cleanup_rbac = cleanup::rbac_objects();
  if (!cleanup_rbac) return std::move(cleanup_rbac).error();
  const std::vector<std::pair<std::string, Objects>> built{
      {"flannel", flannel_objects(settings, *versions)},
      {"aws-cloud-controller-manager", cloud_controller_manager_objects(settings, *versions)},
      {"kubelet-csr-approver", csr_approver_objects(settings, *versions)},
      {"cluster-autoscaler", cluster_autoscaler_objects(settings, *versions)},
      {"metrics-server", metrics_server_objects(settings, *versions)},
      {"kc-cleanup-rbac", *cleanup_rbac},
  };
  std::vector<Addon> out;
  std::vector<kube::ApplyObject> all;
  for (const auto& [name, objects] : built) {
    auto prepared = kube::prepare_apply(objects);
    if (!prepared) return std::move(prepared).error().context("build add-on " + name);
    all.insert(all.end(), prepared->begin(), prepared->end());
    out.push_back({name, std::move(*prepared)});
  }
  auto inventory =
      kube::prepare_apply({kube::inventory_object(kInventoryNamespace, kInventoryName, all)});
  if (!inventory) return std::move(inventory).error();
  // The whole set once more: no object may be shipped by two add-ons.
  all.push_back(inventory->front());
  std::vector<nlohmann::json> manifests;
  for (const kube::ApplyObject& o : all) manifests.push_back(o.manifest);
  auto unique = kube::prepare_apply(manifests);
  if (!unique) return std::move(unique).error().context("build add-ons");
  out.push_back({"inventory", std::move(*inventory)});
  return out;
}

std::string render_addon(const Addon& addon) {
  std::vector<nlohmann::json> documents;
  for (const kube::ApplyObject& o : addon.objects) documents.push_back(o.manifest);
  return "# " + addon.name + ": rendered by kc-leader addons render; applied as it is.\n" +
         emit_yaml_documents(documents);
}

}  // namespace kc::addons
