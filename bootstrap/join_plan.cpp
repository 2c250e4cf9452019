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
  // The identity and preflight phases (bootstrap/phases/preflight.cpp, shared with the leader)
  // join this plan once the worker tests give the test bed a CRI-answering containerd and an
  // IMDS stand-in; until then the node name is kubeadm's default (the hostname).
  plan.push_back(join_data_phase(config));
  plan.push_back(assets_phase(config.assets));
  plan.push_back(storage_phase(config));
  plan.push_back(units_phase(config));
  plan.push_back(kubeadm_phase(config, std::move(outcome)));
  return plan;
}

}  // namespace kc::worker
