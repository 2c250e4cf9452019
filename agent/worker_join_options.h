// init's options for what workers get: the kc-worker binary kc-serve serves (--kc-worker), or
// another place workers fetch it from (--worker-binary-url), the bootstrap token's lifetime
// (--token-ttl), and flags for the workers' kc-worker join (--worker-args).
#pragma once

#include <filesystem>
#include <string>

#include "common/core/error.h"

namespace CLI {
class App;
}

namespace kc::leader {

struct WorkerJoinOptions {
  std::string kc_worker;          // a file of the operator's; "" = kc-worker next to kc-leader
  std::string worker_binary_url;  // "" = kc-serve on this leader; "{arch}" is substituted
  std::string token_ttl = "0";    // kubeadm --ttl; "0" never expires
  std::string worker_args;        // kc-worker join flags for the workers' every boot
};

void add_worker_join_flags(CLI::App* command, WorkerJoinOptions& options);

// Validates the values (a usage error names the flag) and fills in the default kc-worker.
Result<WorkerJoinOptions> resolve_worker_join_options(const WorkerJoinOptions& options);

// The kc-worker beside kc-leader at SELF (as release.sh ships them), or, run from meson's build
// directory (SELF is .../agent/kc-leader), the one built in .../bootstrap/.
std::string default_kc_worker(const std::filesystem::path& self);

}  // namespace kc::leader
