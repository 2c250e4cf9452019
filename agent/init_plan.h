// The plan of "kc-leader init": everything the Toil wiki's leader script did, as phases.
#pragma once

#include <string>

#include "common/assets/assets_step.h"
#include "common/core/plan.h"

namespace kc::leader {

struct InitOptions {
  AssetOptions assets = default_asset_options();  // also the Kubernetes version and arch
  std::string cluster_name = "kubernetes";
};

Plan make_init_plan(const InitOptions& options);

}  // namespace kc::leader
