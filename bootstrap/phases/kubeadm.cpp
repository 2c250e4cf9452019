#include "bootstrap/join_configuration.h"
#include "bootstrap/kubeadm_join_step.h"
#include "bootstrap/phases/phases.h"
#include "common/core/plan.h"

namespace kc::worker {

Phase kubeadm_phase(const WorkerConfig& c, std::shared_ptr<JoinOutcome> outcome) {
  Phase phase{"kubeadm", {}};
  // The token is in this file only (0600): never on kubeadm's command line.
  phase.steps.push_back(std::make_unique<FileStep>(std::string(kKubeadmJoinConfig),
                                                   join_configuration_yaml(c, true), 0600));
  phase.steps.push_back(
      std::make_unique<KubeadmJoinStep>(c.join, c.join_timeout, std::move(outcome)));
  return phase;
}

}  // namespace kc::worker
