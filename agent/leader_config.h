// The configuration of "kc-leader init": what the operator gave (flags and --config, as parsed)
// and the one resolved, validated object built from it once in main, which every phase reads.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "agent/worker_join_options.h"
#include "common/assets/assets_step.h"
#include "common/aws/identity.h"
#include "common/core/error.h"
#include "common/node/preflight_checks.h"
#include "common/storage/storage_options.h"

namespace kc::leader {

// As parsed from the command line and --config; nothing checked yet beyond the flag syntax.
struct InitOptions {
  AssetOptions assets = default_asset_options();  // also the Kubernetes version and arch
  std::string cluster_name = "kubernetes";
  std::string pod_subnet = "10.244.0.0/16";  // the flannel add-on uses the same block
  std::string service_subnet = "10.96.0.0/12";
  WorkerJoinOptions join;       // --kc-worker, --worker-binary-url, --token-ttl
  aws::IdentityFlags identity;  // --node-name ... --metadata-endpoint
  std::vector<std::string> ignore_preflight_errors;
  std::string control_plane_endpoint;  // HOST[:PORT]; empty: the node name, port 6443
  std::vector<std::string> apiserver_cert_extra_sans;
  std::string kubeconfig_user;  // empty: $SUDO_USER, else core
  int kubeadm_timeout_seconds = 900;
  // --ephemeral-storage (off on a leader), --ephemeral-fs, --ephemeral-device
  storage::StorageOptions storage{false, "ext4", {}, "/opt/bin/kc-leader"};
};

struct LeaderConfig {
  AssetOptions assets;
  std::string cluster_name;
  std::string kubernetes_version;  // MAJOR.MINOR.PATCH, one of the supported minors
  std::string arch;
  std::string pod_subnet;
  std::string service_subnet;
  WorkerJoinOptions join;
  aws::IdentityFlags identity;
  std::vector<std::string> ignore_preflight_errors;
  std::string control_plane_endpoint;  // empty: "<node name>:6443", known once identity is
  std::vector<std::string> apiserver_cert_extra_sans;
  std::string kubeconfig_user;  // empty: $SUDO_USER (when not root), else core
  std::chrono::seconds kubeadm_timeout{900};
  storage::StorageOptions storage;
};

// The preflight checks of a leader: its ports, its subnets, the checks to ignore.
node::PreflightOptions leader_preflight_options(const LeaderConfig& config);

// Checks every value; an error names the flag and is a usage error (exit code 2).
Result<LeaderConfig> resolve_leader_config(const InitOptions& options);

}  // namespace kc::leader
