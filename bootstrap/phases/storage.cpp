#include "bootstrap/phases/phases.h"
#include "common/storage/storage_steps.h"

namespace kc::worker {

Phase storage_phase(const storage::StorageOptions& options) {
  Phase phase{"storage", {}};
  storage::add_storage_steps(phase, options);
  return phase;
}

Phase storage_phase(const WorkerConfig& config) {
  return storage_phase(config.storage);
}

}  // namespace kc::worker
