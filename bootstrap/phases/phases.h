// One builder per phase of "kc-worker join", each fed the resolved configuration.
// bootstrap/join_plan.cpp puts them in order.
#pragma once

#include <functional>
#include <memory>
#include <optional>

#include "bootstrap/kubeadm_join_step.h"
#include "bootstrap/worker_config.h"
#include "common/aws/identity.h"
#include "common/aws/identity_step.h"
#include "common/core/plan.h"
#include "common/storage/storage_steps.h"

namespace kc::worker {

Phase join_data_phase(const WorkerConfig& config);
// The identity (flags, then IMDSv2), shared with the later steps through `identity`.
Phase identity_phase(const WorkerConfig& config,
                     const std::shared_ptr<aws::ResolvedIdentity>& identity);
Phase preflight_phase(const WorkerConfig& config,
                      const std::shared_ptr<aws::ResolvedIdentity>& identity);
Phase assets_phase(const AssetOptions& assets);
Phase storage_phase(const WorkerConfig& config);
Phase storage_phase(const storage::StorageOptions& options);  // kc-worker storage
Phase units_phase(const WorkerConfig& config);
// The node identity when the kubeadm phase runs (an identity phase before it resolves it from
// the flags or IMDS); empty or returning nullopt: kubeadm's defaults (the hostname).
using IdentitySource = std::function<std::optional<aws::NodeIdentity>()>;

// `outcome` records whether the node joined now or had already joined (for the status line).
Phase kubeadm_phase(const WorkerConfig& config, std::shared_ptr<JoinOutcome> outcome,
                    IdentitySource identity = {});

}  // namespace kc::worker
