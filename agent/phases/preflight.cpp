#include <unistd.h>

#include "agent/phases/phases.h"
#include "common/node/containerd_step.h"
#include "common/node/kernel_setup_steps.h"
#include "common/node/preflight_checks.h"

namespace kc::leader {

Phase preflight_phase(const LeaderConfig& config, const Identity& identity) {
  Phase phase{"preflight", {}};
  node::PreflightOptions options = leader_preflight_options(config);
  options.euid = ::geteuid();
  // The checks first: when one fails, the steps after it (which change the host) never run.
  phase.steps.push_back(std::make_unique<node::PreflightChecksStep>(options, identity));
  phase.steps.push_back(std::make_unique<node::ContainerdStep>());
  phase.steps.push_back(std::make_unique<node::KernelModulesStep>());
  phase.steps.push_back(std::make_unique<node::SysctlStep>(identity));
  return phase;
}

}  // namespace kc::leader
