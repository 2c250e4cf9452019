// One builder per phase of "kc-worker join", each fed the resolved configuration.
// bootstrap/join_plan.cpp puts them in order.
#pragma once

#include <functional>
#include <memory>
#include <optional>

#include "bootstrap/kubeadm_join_step.h"
#include "bootstrap/worker_config.h"
#include "common/aws/identity.h"
#include "common/core/plan.h"

namespace kc::worker {

Phase join_data_phase(const WorkerConfig& config);
Phase assets_phase(const AssetOptions& assets);
Phase units_phase(const WorkerConfig& config);
// The node identity when the kubeadm phase runs (an identity phase before it resolves it from
// the flags or IMDS); empty or returning nullopt: kubeadm's defaults (the hostname).
using IdentitySource = std::function<std::optional<aws::NodeIdentity>()>;

// `outcome` records whether the node joined now or had already joined (for the status line).
Phase kubeadm_phase(const WorkerConfig& config, std::shared_ptr<JoinOutcome> outcome,
                    IdentitySource identity = {});

}  // namespace kc::worker
