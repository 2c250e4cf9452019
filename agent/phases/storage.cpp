#include "agent/phases/phases.h"
#include "common/storage/storage_steps.h"

namespace kc::leader {

Phase storage_phase(const LeaderConfig& config) {
  Phase phase{"storage", {}};
  storage::add_storage_steps(phase, config.storage);
  return phase;
}

}  // namespace kc::leader
