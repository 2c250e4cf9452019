#include "bootstrap/phases/phases.h"
#include "common/storage/storage_steps.h"

namespace kc::worker {

Phase storage_phase(const storage::StorageOptions& options) {
  Phase phase{"storage", {}};
  storage::add_storage_steps(phase, options);
  return phase;
}

// Join uses the instance store whenever there is one (--ephemeral-fs ext4), until the join
// options carry the storage flags.
Phase storage_phase(const WorkerConfig&) {
  return storage_phase(storage::StorageOptions{});
}

}  // namespace kc::worker
