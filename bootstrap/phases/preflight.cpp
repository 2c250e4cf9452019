#include <unistd.h>

#include "bootstrap/phases/phases.h"
#include "common/node/preflight_steps.h"

namespace kc::worker {

Phase identity_phase(const WorkerConfig& config,
                     const std::shared_ptr<aws::ResolvedIdentity>& identity) {
  Phase phase{"identity", {}};
  phase.steps.push_back(std::make_unique<aws::IdentityStep>(config.identity, identity));
  return phase;
}

Phase preflight_phase(const WorkerConfig& config,
                      const std::shared_ptr<aws::ResolvedIdentity>& identity) {
  node::PreflightOptions options;
  options.ignore = config.ignore_preflight_errors;
  options.ports = node::worker_ports();
  options.euid = ::geteuid();
  return Phase{"preflight", node::preflight_steps(options, identity)};
}

}  // namespace kc::worker
