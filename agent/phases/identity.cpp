#include "agent/phases/phases.h"

namespace kc::leader {

Phase identity_phase(const LeaderConfig& config, const Identity& identity) {
  Phase phase{"identity", {}};
  phase.steps.push_back(std::make_unique<aws::IdentityStep>(config.identity, identity));
  return phase;
}

}  // namespace kc::leader
