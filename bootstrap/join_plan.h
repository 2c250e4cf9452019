// The plans of "kc-worker install" and "kc-worker join": what the Toil wiki's worker user-data
// script did, as phases.
#pragma once

#include <memory>

#include "bootstrap/kubeadm_join_step.h"
#include "bootstrap/worker_config.h"
#include "common/core/plan.h"

namespace kc::worker {

// Installs the node binaries only (also the first phase of join).
Plan make_install_plan(const AssetOptions& assets);
// join-data, assets, units, kubeadm (bootstrap/phases/). `outcome`, when given, records what
// the kubeadm phase did.
Plan make_join_plan(const WorkerConfig& config, std::shared_ptr<JoinOutcome> outcome = nullptr);

}  // namespace kc::worker
