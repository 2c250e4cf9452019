// The plan of "kc-worker join": what the Toil wiki's worker user-data script did, as phases.
#pragma once

#include <string>

#include "common/assets/assets_step.h"
#include "common/core/log.h"
#include "common/core/plan.h"

namespace kc::worker {

struct JoinOptions {
  AssetOptions assets = default_asset_options();  // also the Kubernetes version and arch
  std::string api_server;                         // "10.0.0.10:6443"
  Secret token;                                   // bootstrap token; never logged
  std::string ca_cert_hash;                       // "sha256:<hex>"
};

// Installs the node binaries only (also the first phase of join).
Plan make_install_plan(const JoinOptions& options);
Plan make_join_plan(const JoinOptions& options);

}  // namespace kc::worker
