#include "agent/phases/phases.h"
#include "common/assets/assets_step.h"

namespace kc::leader {

Phase assets_phase(const LeaderConfig& config) {
  Phase phase{"assets", {}};
  phase.steps.push_back(std::make_unique<AssetsStep>(config.assets));
  return phase;
}

}  // namespace kc::leader
