// One builder per phase of "kc-leader init", each fed the resolved configuration (as kOps has
// one model file per component). agent/init_plan.cpp puts them in order. The identity the
// identity phase resolves when the plan runs reaches later steps through `identity`.
#pragma once

#include <memory>

#include "agent/leader_config.h"
#include "common/aws/identity_step.h"
#include "common/core/plan.h"

namespace kc::leader {

using Identity = std::shared_ptr<aws::ResolvedIdentity>;

Phase identity_phase(const LeaderConfig& config, const Identity& identity);
Phase preflight_phase(const LeaderConfig& config, const Identity& identity);
Phase storage_phase(const LeaderConfig& config);  // --ephemeral-storage on; else empty
Phase assets_phase(const LeaderConfig& config);
Phase units_phase(const LeaderConfig& config);
Phase kubeadm_phase(const LeaderConfig& config, const Identity& identity);
Phase kubeconfig_phase(const LeaderConfig& config);
Phase addons_phase(const LeaderConfig& config, const Identity& identity);
Phase cleanup_phase(const LeaderConfig& config);
// /opt/bin/kc-leader (0755) with the content of `source` (the cleanup phase: /proc/self/exe).
std::unique_ptr<Step> make_installed_kc_leader_step(const std::string& source);
Phase join_data_phase(const LeaderConfig& config);
Phase worker_user_data_phase(const LeaderConfig& config);

}  // namespace kc::leader
