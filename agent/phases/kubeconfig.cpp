#include "agent/kubeconfig_step.h"
#include "agent/phases/phases.h"

namespace kc::leader {

Phase kubeconfig_phase(const LeaderConfig& config) {
  Phase phase{"kubeconfig", {}};
  phase.steps.push_back(std::make_unique<KubeconfigStep>(config.kubeconfig_user));
  return phase;
}

}  // namespace kc::leader
