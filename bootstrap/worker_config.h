// The configuration of "kc-worker join": what the operator gave (flags and --config, as parsed)
// and the one resolved, validated object built from it once in main, which every phase reads.
#pragma once

#include <string>

#include <vector>

#include "common/assets/assets_step.h"
#include "common/aws/identity.h"
#include "common/core/error.h"
#include "common/core/secret.h"

namespace kc::worker {

// As parsed from the command line and --config; nothing checked yet beyond the flag syntax.
struct JoinOptions {
  AssetOptions assets = default_asset_options();  // also the Kubernetes version and arch
  std::string api_server;                         // "10.0.0.10:6443"
  std::string token;            // the --token value, held here only until it becomes a Secret
  std::string ca_cert_hash;     // "sha256:<hex>"
  aws::IdentityFlags identity;  // --node-name ... --metadata-endpoint
  std::vector<std::string> ignore_preflight_errors;
};

struct WorkerConfig {
  AssetOptions assets;
  std::string kubernetes_version;
  // The join data: all three given, or none (the join file will supply them then).
  std::string api_server;
  Secret token;  // bootstrap token; never logged
  std::string ca_cert_hash;

  aws::IdentityFlags identity;
  std::vector<std::string> ignore_preflight_errors;

  bool has_join_data() const { return !api_server.empty(); }
};

// Checks every value; an error names the flag (never the token's value) and is a usage error
// (exit code 2).
Result<WorkerConfig> resolve_worker_config(const JoinOptions& options);

}  // namespace kc::worker
