// The kubeadm.k8s.io/v1beta4 JoinConfiguration of a worker, built as data from the resolved
// configuration (common/kube/kubeadm_config.h emits it).
#pragma once

#include <string>

#include "bootstrap/worker_config.h"
#include "common/kube/kubeadm_config.h"

namespace kc::worker {

kubeadm::JoinConfiguration make_join_configuration(const WorkerConfig& config);

// The YAML of /etc/kc/kubeadm-join.yaml (the token in clear with show_secrets only).
std::string join_configuration_yaml(const WorkerConfig& config, bool show_secrets);

}  // namespace kc::worker
