#include "bootstrap/phases/phases.h"
#include "common/systemd/units_step.h"

namespace kc::worker {

Phase units_phase(const WorkerConfig&) {
  Phase phase{"units", {}};
  // kc-worker.service is what runs this plan at boot: enabled for the next boot, never started
  // from here (its start job would wait for this very process).
  phase.steps.push_back(std::make_unique<UnitsStep>(
      std::vector<UnitSpec>{embedded_unit_spec("kubelet.service", true),
                            embedded_unit_spec("kc-worker.service", false)}));
  return phase;
}

}  // namespace kc::worker
