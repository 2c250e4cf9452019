// One builder per phase of "kc-worker join", each fed the resolved configuration.
// bootstrap/join_plan.cpp puts them in order.
#pragma once

#include <memory>

#include "bootstrap/kubeadm_join_step.h"
#include "bootstrap/worker_config.h"
#include "common/core/plan.h"

namespace kc::worker {

Phase join_data_phase(const WorkerConfig& config);
Phase assets_phase(const AssetOptions& assets);
Phase units_phase(const WorkerConfig& config);
// `outcome` records whether the node joined now or had already joined (for the status line).
Phase kubeadm_phase(const WorkerConfig& config, std::shared_ptr<JoinOutcome> outcome);

}  // namespace kc::worker
