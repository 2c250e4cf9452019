// The kubeadm.k8s.io/v1beta4 JoinConfiguration of a worker, built as data from the resolved
// configuration (common/kube/kubeadm_config.h emits it).
#pragma once

#include <optional>
#include <string>

#include "bootstrap/worker_config.h"
#include "common/aws/identity.h"
#include "common/kube/kubeadm_config.h"

namespace kc::worker {

// `identity`: the node's name, address and providerID for nodeRegistration; unset: kubeadm's
// defaults (the hostname) and no node-ip/provider-id kubelet flags.
kubeadm::JoinConfiguration make_join_configuration(
    const WorkerConfig& config, const std::optional<aws::NodeIdentity>& identity);

// The YAML of /etc/kc/kubeadm-join.yaml (the token in clear with show_secrets only).
std::string join_configuration_yaml(const WorkerConfig& config,
                                    const std::optional<aws::NodeIdentity>& identity,
                                    bool show_secrets);

}  // namespace kc::worker
