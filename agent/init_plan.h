// The plan of "kc-leader init": everything the Toil wiki's leader script did, as phases.
#pragma once

#include <string>

#include "common/assets_step.h"
#include "common/plan.h"

namespace kc::leader {

struct InitOptions {
  std::string kubernetes_version;
  std::string arch;
  std::string cluster_name = "kubernetes";
  AssetOptions assets;  // its version and arch are the fields above
};

Plan make_init_plan(const InitOptions& options);

}  // namespace kc::leader
