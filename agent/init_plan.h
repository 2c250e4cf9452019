// The plan of "kc-leader init": everything the Toil wiki's leader script did, as phases.
#pragma once

#include "agent/leader_config.h"
#include "common/core/plan.h"

namespace kc::leader {

// identity, preflight, assets, units, kubeadm, kubeconfig, addons, cleanup, worker-user-data
// (agent/phases/).
Plan make_init_plan(const LeaderConfig& config);

}  // namespace kc::leader
