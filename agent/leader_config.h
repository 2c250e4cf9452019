// The configuration of "kc-leader init": what the operator gave (flags and --config, as parsed)
// and the one resolved, validated object built from it once in main, which every phase reads.
#pragma once

#include <string>

#include "agent/worker_join_options.h"
#include "common/assets/assets_step.h"
#include "common/core/error.h"

namespace kc::leader {

// As parsed from the command line and --config; nothing checked yet beyond the flag syntax.
struct InitOptions {
  AssetOptions assets = default_asset_options();  // also the Kubernetes version and arch
  std::string cluster_name = "kubernetes";
  std::string pod_subnet = "10.244.0.0/16";  // the flannel add-on uses the same block
  std::string service_subnet = "10.96.0.0/12";
  WorkerJoinOptions join;  // --kc-worker, --worker-binary-url, --token-ttl
};

struct LeaderConfig {
  AssetOptions assets;
  std::string cluster_name;
  std::string kubernetes_version;  // MAJOR.MINOR.PATCH, one of the supported minors
  std::string arch;
  std::string pod_subnet;
  std::string service_subnet;
  WorkerJoinOptions join;
};

// Checks every value; an error names the flag and is a usage error (exit code 2).
Result<LeaderConfig> resolve_leader_config(const InitOptions& options);

}  // namespace kc::leader
