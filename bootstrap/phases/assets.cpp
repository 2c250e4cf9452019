#include "bootstrap/phases/phases.h"
#include "common/assets/assets_step.h"

namespace kc::worker {

Phase assets_phase(const AssetOptions& assets) {
  Phase phase{"assets", {}};
  phase.steps.push_back(std::make_unique<AssetsStep>(assets));
  return phase;
}

}  // namespace kc::worker
