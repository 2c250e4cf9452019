#include <fmt/format.h>

#include "agent/phases/phases.h"
#include "common/core/plan.h"

namespace kc::leader {

Phase kubeadm_phase(const LeaderConfig& config) {
  Phase phase{"kubeadm", {}};
  add_planned(phase,
              fmt::format("write /etc/kc/kubeadm-init.yaml (kubeadm.k8s.io/v1beta4, Kubernetes "
                          "{}, cluster {}, cloud-provider external, containerd socket)",
                          config.kubernetes_version, config.cluster_name));
  add_planned(phase,
              "run kubeadm init --config /etc/kc/kubeadm-init.yaml (skipped when the "
              "control plane is already up)");
  return phase;
}

}  // namespace kc::leader
