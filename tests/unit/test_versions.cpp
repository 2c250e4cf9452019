#include "agent/addons/versions.h"

#include <doctest/doctest.h>

// Upstream facts: the versions and where they come from are in agent/addons/versions.cpp.
TEST_CASE("cluster-autoscaler and the cloud-controller-manager match the Kubernetes minor") {
  REQUIRE(kc::addons::version_table().size() == 4);
  for (const auto& row : kc::addons::version_table()) {
    INFO(row.minor);
    CHECK(row.cloud_controller_manager.tag.rfind("v" + row.minor + ".", 0) == 0);
    CHECK(row.cluster_autoscaler.tag.rfind("v" + row.minor + ".", 0) == 0);
  }
}

TEST_CASE("the version table row per minor, pinned images") {
  auto v136 = kc::addons::addon_versions("1.36.3");
  REQUIRE(v136.ok());
  CHECK(v136->cloud_controller_manager.reference() ==
        "registry.k8s.io/provider-aws/cloud-controller-manager:v1.36.1");
  CHECK(v136->cluster_autoscaler.reference() ==
        "registry.k8s.io/autoscaling/cluster-autoscaler:v1.36.1");
  CHECK(v136->metrics_server.reference() == "registry.k8s.io/metrics-server/metrics-server:v0.9.0");
  CHECK(v136->flannel.reference() == "ghcr.io/flannel-io/flannel:v0.28.9");
  CHECK(v136->csr_approver.reference() == "ghcr.io/postfinance/kubelet-csr-approver:v1.2.14");
  auto v135 = kc::addons::addon_versions("1.35.7");
  REQUIRE(v135.ok());
  CHECK(v135->cloud_controller_manager.reference() ==
        "registry.k8s.io/provider-aws/cloud-controller-manager:v1.35.2@sha256:"
        "5a5d4e5942ad078a184c12bf5435f8226ccb157ee15e9e1f87c183a4bf4b8f1a");
  auto v133 = kc::addons::addon_versions("1.33.8");
  REQUIRE(v133.ok());
  // metrics-server 0.9 supports 1.34+; 1.33 keeps 0.8.
  CHECK(v133->metrics_server.tag == "v0.8.1");
  CHECK(v133->cluster_autoscaler.tag == "v1.33.6");
  CHECK(v133->cloud_controller_manager.digest ==
        "sha256:b54bc094711e9d7ace6c9bab3d6f02a598e7570ac1fedd6341940e1de79ea476");
}

TEST_CASE("a minor without a row is refused, naming the minors kc has") {
  for (const char* version : {"1.32.4", "1.37.0"}) {
    auto row = kc::addons::addon_versions(version);
    REQUIRE_FALSE(row.ok());
    CHECK(row.error().message().find("(it has 1.33, 1.34, 1.35, 1.36)") != std::string::npos);
  }
}
