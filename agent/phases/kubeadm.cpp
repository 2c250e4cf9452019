#include "agent/kubeadm_init_step.h"
#include "agent/phases/phases.h"

namespace kc::leader {

Phase kubeadm_phase(const LeaderConfig& config, const Identity& identity) {
  Phase phase{"kubeadm", {}};
  phase.steps.push_back(std::make_unique<KubeadmConfigStep>(config, identity));
  phase.steps.push_back(std::make_unique<KubeadmInitStep>(config.kubeadm_timeout));
  return phase;
}

}  // namespace kc::leader
