#include "agent/init_plan.h"

#include "agent/phases/phases.h"

namespace kc::leader {

Plan make_init_plan(const LeaderConfig& config) {
  Plan plan;
  const Identity identity = std::make_shared<aws::ResolvedIdentity>();
  // Identity first: it changes nothing, and preflight checks the subnets against the VPC.
  plan.push_back(identity_phase(config, identity));
  // Before preflight, which starts containerd: its data must be on the instance store first.
  if (config.storage.enabled) plan.push_back(storage_phase(config));
  plan.push_back(preflight_phase(config, identity));
  plan.push_back(assets_phase(config));
  plan.push_back(units_phase(config));
  plan.push_back(kubeadm_phase(config, identity));
  plan.push_back(kubeconfig_phase(config));
  plan.push_back(addons_phase(config, identity));
  for (auto* build : {cleanup_phase, join_data_phase, worker_user_data_phase}) {
    plan.push_back(build(config));
  }
  return plan;
}

}  // namespace kc::leader
