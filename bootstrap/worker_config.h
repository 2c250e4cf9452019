// The configuration of "kc-worker join": what the operator gave (flags and --config, as parsed)
// and the one resolved, validated object built from it once in main, which every phase reads.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include <vector>

#include "common/assets/assets_step.h"
#include "common/aws/identity.h"
#include "common/core/error.h"
#include "common/core/host.h"
#include "common/core/secret.h"
#include "common/storage/storage_options.h"

namespace kc::worker {

inline constexpr std::string_view kJoinFile = "/etc/kc/join.json";
inline constexpr std::string_view kKubeadmJoinConfig = "/etc/kc/kubeadm-join.yaml";
inline constexpr std::string_view kKubeletConf = "/etc/kubernetes/kubelet.conf";

// As parsed from the command line and --config; nothing checked yet beyond the flag syntax.
struct JoinOptions {
  AssetOptions assets = default_asset_options();  // also the Kubernetes version and arch
  bool kubernetes_version_given = false;          // else the join file's version wins
  bool with_kubectl = false;                      // a worker does not need kubectl
  std::string api_server;                         // "10.0.0.10:6443"
  std::string token;         // the --token value, held here only until it becomes a Secret
  std::string token_file;    // a file of the operator's holding the token (preferred to --token)
  std::string ca_cert_hash;  // "sha256:<hex>"
  std::string join_file;     // a host path; empty: /etc/kc/join.json unless flags give the data
  std::string join_timeout = "15m";  // how long to wait for an unreachable API server
  aws::IdentityFlags identity;       // --node-name ... --metadata-endpoint
  std::vector<std::string> ignore_preflight_errors;
  storage::StorageOptions storage;  // --ephemeral-storage, --ephemeral-fs, --ephemeral-device
};

// What the worker joins with, from the flags or from the join file.
struct JoinData {
  std::string api_server;
  Secret token;  // bootstrap token; never logged
  std::vector<std::string> ca_cert_hashes;
  std::string kubernetes_version;  // from the join file; empty from flags
  std::string join_file;           // the host path it came from; empty: from flags
  mode_t join_file_mode = 0600;    // its permission bits as found
  std::string token_file;          // --token-file, as given
  mode_t token_file_mode = 0600;   // its permission bits as found
};

struct WorkerConfig {
  AssetOptions assets;
  std::string kubernetes_version;
  JoinData join;
  std::chrono::seconds join_timeout{15 * 60};

  aws::IdentityFlags identity;
  std::vector<std::string> ignore_preflight_errors;
  storage::StorageOptions storage;

  bool has_join_data() const { return !join.api_server.empty(); }
};

// Checks every flag value; an error names the flag (never the token's value) and is a usage
// error (exit code 2). The join data from flags are taken here (--token-file is read); a join
// file is read by load_join_data.
Result<WorkerConfig> resolve_worker_config(const JoinOptions& options);

// When the flags gave no join data: reads the join file (--join-file, else /etc/kc/join.json)
// through `host`, changing nothing (a file readable by others is fixed by the join-data phase),
// and takes its Kubernetes version unless --kubernetes-version was given. Errors name the file
// and the field; they are not usage errors (exit code 1).
Status load_join_data(WorkerConfig& config, const JoinOptions& options, const Host& host);

// "15m", "90s", "1h", "1h30m" or plain seconds; at least one second.
Result<std::chrono::seconds> parse_duration(std::string_view text, std::string_view flag);

}  // namespace kc::worker
