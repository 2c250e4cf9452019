#include "agent/phases/phases.h"
#include "common/systemd/units_step.h"

namespace kc::leader {

Phase units_phase(const LeaderConfig&) {
  Phase phase{"units", {}};
  // Until kubeadm writes its configuration, kubelet restarts every 10 s, as after a package
  // install.
  phase.steps.push_back(std::make_unique<UnitsStep>(
      std::vector<UnitSpec>{embedded_unit_spec("kubelet.service", true)}));
  return phase;
}

}  // namespace kc::leader
