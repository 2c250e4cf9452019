#include <unistd.h>

#include "agent/phases/phases.h"
#include "common/node/preflight_steps.h"

namespace kc::leader {

Phase preflight_phase(const LeaderConfig& config, const Identity& identity) {
  node::PreflightOptions options = leader_preflight_options(config);
  options.euid = ::geteuid();
  return Phase{"preflight", node::preflight_steps(options, identity)};
}

}  // namespace kc::leader
