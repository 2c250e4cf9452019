// The add-on versions kc ships, one row per Kubernetes minor (1.33-1.36), each fact with its
// upstream source (repository, path, tag) beside it in versions.cpp. cluster-autoscaler and the
// AWS cloud-controller-manager must match the cluster's minor; a minor without a row is refused.
#pragma once

#include <string>
#include <vector>

#include "common/core/error.h"

namespace kc::addons {

struct Image {
  std::string repository;  // "registry.k8s.io/provider-aws/cloud-controller-manager"
  std::string tag;         // "v1.35.2"
  std::string digest;      // "sha256:..." where upstream publishes one; empty otherwise

  // "REPO:TAG@DIGEST" (or "REPO:TAG").
  std::string reference() const;
};

struct AddonVersions {
  std::string minor;  // "1.36"
  Image flannel;
  Image flannel_cni_plugin;
  Image cloud_controller_manager;
  Image csr_approver;
  Image cluster_autoscaler;
  Image metrics_server;
};

// The row for the minor of `kubernetes_version` ("1.36.3"); an error naming the version and the
// minors kc has when there is none.
Result<AddonVersions> addon_versions(const std::string& kubernetes_version);

// Every row, oldest minor first.
const std::vector<AddonVersions>& version_table();

}  // namespace kc::addons
