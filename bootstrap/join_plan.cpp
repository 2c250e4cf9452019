#include "bootstrap/join_plan.h"

#include "bootstrap/phases/phases.h"

namespace kc::worker {

Plan make_install_plan(const AssetOptions& assets) {
  Plan plan;
  plan.push_back(assets_phase(assets));
  return plan;
}

Plan make_join_plan(const WorkerConfig& config, std::shared_ptr<JoinOutcome> outcome) {
  Plan plan;
  const auto identity = std::make_shared<aws::ResolvedIdentity>();
  // As on the leader: identity first (it changes nothing); then storage, because preflight
  // starts containerd, whose data must already be on the instance store; preflight still stops
  // a node that cannot join before anything is installed. containerd is the node's own (Flatcar
  // ships it), so preflight does not wait for the assets, whose downloads run meanwhile (started
  // with the run by join_command.cpp: common/assets/asset_prefetch.h).
  plan.push_back(join_data_phase(config));
  plan.push_back(identity_phase(config, identity));
  plan.push_back(storage_phase(config));
  plan.push_back(preflight_phase(config, identity));
  plan.push_back(assets_phase(config.assets));
  plan.push_back(units_phase(config));
  plan.push_back(
      kubeadm_phase(config, std::move(outcome), [identity] { return identity->identity; }));
  return plan;
}

}  // namespace kc::worker
