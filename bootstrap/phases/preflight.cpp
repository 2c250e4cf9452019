#include <unistd.h>

#include "bootstrap/phases/phases.h"
#include "common/node/containerd_step.h"
#include "common/node/kernel_setup_steps.h"
#include "common/node/preflight_checks.h"

namespace kc::worker {

Phase identity_phase(const WorkerConfig& config,
                     const std::shared_ptr<aws::ResolvedIdentity>& identity) {
  Phase phase{"identity", {}};
  phase.steps.push_back(std::make_unique<aws::IdentityStep>(config.identity, identity));
  return phase;
}

Phase preflight_phase(const WorkerConfig& config,
                      const std::shared_ptr<aws::ResolvedIdentity>& identity) {
  Phase phase{"preflight", {}};
  node::PreflightOptions options;
  options.ignore = config.ignore_preflight_errors;
  options.ports = node::worker_ports();
  options.euid = ::geteuid();
  phase.steps.push_back(std::make_unique<node::PreflightChecksStep>(options, identity));
  phase.steps.push_back(std::make_unique<node::ContainerdStep>());
  phase.steps.push_back(std::make_unique<node::KernelModulesStep>());
  phase.steps.push_back(std::make_unique<node::SysctlStep>(identity));
  return phase;
}

}  // namespace kc::worker
