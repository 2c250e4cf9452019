#include "agent/init_plan.h"

#include "agent/phases/phases.h"

namespace kc::leader {

Plan make_init_plan(const LeaderConfig& config) {
  Plan plan;
  for (auto* build : {preflight_phase, assets_phase, units_phase, kubeadm_phase, addons_phase,
                      cleanup_phase, join_data_phase, worker_user_data_phase}) {
    plan.push_back(build(config));
  }
  return plan;
}

}  // namespace kc::leader
