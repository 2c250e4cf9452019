#include "agent/addons/versions.h"

#include "agent/addons/settings.h"

namespace kc::addons {

std::string Image::reference() const {
  return repository + ":" + tag + (digest.empty() ? "" : "@" + digest);
}

namespace {

// flannel: flannel-io/flannel Documentation/kube-flannel.yml @v0.28.9 (images of the DaemonSet
// and its install-cni-plugin init container). flannel does not follow Kubernetes minors; the
// Flatcar docs (flatcar/flatcar-website getting-started-with-kubernetes.md @2075ef37) test it
// with 1.34-1.36. No digest: the manifest pins tags only.
const Image kFlannel{"ghcr.io/flannel-io/flannel", "v0.28.9", ""};
const Image kFlannelCni{"ghcr.io/flannel-io/flannel-cni-plugin", "v1.9.1-flannel3", ""};

// kubelet-csr-approver: postfinance/kubelet-csr-approver @v1.2.14; the image is published by
// .github/workflows/publish.yaml with the git tag as image tag, to ghcr.io/postfinance (the
// chart's charts/kubelet-csr-approver/values.yaml image.repository). It supports the three
// newest minors (charts/kubelet-csr-approver/README.md); its API use (certificates.k8s.io/v1)
// is the same on 1.33.
const Image kApprover{"ghcr.io/postfinance/kubelet-csr-approver", "v1.2.14", ""};

// AWS cloud-controller-manager: kubernetes/cloud-provider-aws tags v1.33.4, v1.34.3, v1.35.2,
// v1.36.1 (the newest patch of each minor; docs/README.md: compatibility "ONLY" with the
// matching Kubernetes minor). Digests: kubernetes/k8s.io
// registry.k8s.io/images/k8s-staging-provider-aws/images.yaml @0137eda2 (no v1.36.1 entry
// there yet, so that one is pinned by tag only).
const char* kCcm = "registry.k8s.io/provider-aws/cloud-controller-manager";

// cluster-autoscaler: kubernetes/autoscaler tags cluster-autoscaler-1.33.6, -1.34.5, -1.35.2,
// -1.36.1 (cluster-autoscaler/README.md: versions match Kubernetes minors; use the newest
// patch). The stored promoter list has no digests for these.
const char* kAutoscaler = "registry.k8s.io/autoscaling/cluster-autoscaler";

// metrics-server: kubernetes-sigs/metrics-server README.md @v0.9.0 "Compatibility Matrix":
// 0.9.x supports 1.34+, 0.8.x 1.31+; the image name and tag from
// manifests/components/release/kustomization.yaml @v0.9.0 (and @v0.8.1).
const char* kMetrics = "registry.k8s.io/metrics-server/metrics-server";

}  // namespace

const std::vector<AddonVersions>& version_table() {
  static const std::vector<AddonVersions> table{
      {"1.33",
       kFlannel,
       kFlannelCni,
       {kCcm, "v1.33.4", "sha256:b54bc094711e9d7ace6c9bab3d6f02a598e7570ac1fedd6341940e1de79ea476"},
       kApprover,
       {kAutoscaler, "v1.33.6", ""},
       {kMetrics, "v0.8.1", ""}},
      {"1.34",
       kFlannel,
       kFlannelCni,
       {kCcm, "v1.34.3", "sha256:ab45cec4a1ee68a556d09a362746db8fd66b258101aefcf0542f51e960248810"},
       kApprover,
       {kAutoscaler, "v1.34.5", ""},
       {kMetrics, "v0.9.0", ""}},
      {"1.35",
       kFlannel,
       kFlannelCni,
       {kCcm, "v1.35.2", "sha256:5a5d4e5942ad078a184c12bf5435f8226ccb157ee15e9e1f87c183a4bf4b8f1a"},
       kApprover,
       {kAutoscaler, "v1.35.2", ""},
       {kMetrics, "v0.9.0", ""}},
      {"1.36",
       kFlannel,
       kFlannelCni,
       {kCcm, "v1.36.1", ""},
       kApprover,
       {kAutoscaler, "v1.36.1", ""},
       {kMetrics, "v0.9.0", ""}},
  };
  return table;
}

Result<AddonVersions> addon_versions(const std::string& kubernetes_version) {
  const std::string minor = kubernetes_minor(kubernetes_version);
  std::string known;
  for (const AddonVersions& row : version_table()) {
    if (row.minor == minor) return row;
    known += (known.empty() ? "" : ", ") + row.minor;
  }
  return Error{"choose add-on versions", "Kubernetes " + kubernetes_version,
               "kc has no add-on versions for Kubernetes " + minor + " (it has " + known + ")",
               "cluster-autoscaler and the AWS cloud-controller-manager must match the cluster's "
               "minor: use a Kubernetes version kc supports"};
}

}  // namespace kc::addons
