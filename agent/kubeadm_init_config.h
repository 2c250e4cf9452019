// The documents of the leader's "kubeadm init --config": what kc's configuration and the node's
// identity make of kubeadm v1beta4 InitConfiguration + ClusterConfiguration and the kubelet's
// KubeletConfiguration (common/kube/kubeadm_config.h emits them).
#pragma once

#include <string>

#include "agent/leader_config.h"
#include "common/aws/identity.h"
#include "common/kube/kubeadm_config.h"

namespace kc::leader {

inline constexpr const char* kKubeadmInitFile = "/etc/kc/kubeadm-init.yaml";
// With plain binaries in /opt/bin (not Flatcar's Kubernetes sysext), the default
// /usr/libexec/... is on Flatcar's read-only /usr.
inline constexpr const char* kVolumePluginDir =
    "/opt/libexec/kubernetes/kubelet-plugins/volume/exec/";

// "HOST:6443" for a HOST without a port; the given endpoint else; the node name by default.
std::string control_plane_endpoint(const LeaderConfig& config, const aws::NodeIdentity& identity);

kubeadm::InitDocuments leader_init_documents(const LeaderConfig& config,
                                             const aws::NodeIdentity& identity);

// The YAML kc writes to /etc/kc/kubeadm-init.yaml (and `kc-leader config kubeadm` prints).
std::string leader_init_yaml(const LeaderConfig& config, const aws::NodeIdentity& identity,
                             kubeadm::EmitOptions options);

}  // namespace kc::leader
