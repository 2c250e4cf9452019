// One builder per phase of "kc-worker join", each fed the resolved configuration.
// bootstrap/join_plan.cpp puts them in order.
#pragma once

#include <memory>

#include "bootstrap/worker_config.h"
#include "common/aws/identity_step.h"
#include "common/core/plan.h"
#include "common/storage/storage_steps.h"

namespace kc::worker {

// The identity (flags, then IMDSv2), shared with the later steps through `identity`.
Phase identity_phase(const WorkerConfig& config,
                     const std::shared_ptr<aws::ResolvedIdentity>& identity);
Phase preflight_phase(const WorkerConfig& config,
                      const std::shared_ptr<aws::ResolvedIdentity>& identity);
Phase assets_phase(const AssetOptions& assets);
Phase storage_phase(const WorkerConfig& config);
Phase storage_phase(const storage::StorageOptions& options);  // kc-worker storage
Phase units_phase(const WorkerConfig& config);
Phase kubeadm_phase(const WorkerConfig& config);

}  // namespace kc::worker
