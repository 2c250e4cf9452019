#include "common/kube/kube_inventory.h"

#include <doctest/doctest.h>

TEST_CASE("the inventory lists every object; what it held before and no longer does is named") {
  auto objects = kc::kube::prepare_apply(
      {{{"apiVersion", "apps/v1"},
        {"kind", "Deployment"},
        {"metadata", {{"name", "web"}, {"namespace", "kube-system"}}}},
       {{"apiVersion", "v1"}, {"kind", "Namespace"}, {"metadata", {{"name", "kube-flannel"}}}}});
  REQUIRE(objects.ok());
  const auto inventory = kc::kube::inventory_object("kube-system", "kc-addons", *objects);
  CHECK(inventory["data"]["objects"] ==
        "apps Deployment kube-system/web\ncore ConfigMap kube-system/kc-addons\n"
        "core Namespace kube-flannel\n");
  const std::vector<std::string> previous{"apps Deployment kube-system/web",
                                          "apps DaemonSet kube-system/old"};
  CHECK(kc::kube::no_longer_shipped(previous, *objects) ==
        std::vector<std::string>{"apps DaemonSet kube-system/old"});
}
