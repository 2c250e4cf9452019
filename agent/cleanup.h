// "kc-leader cleanup": the kc-cleanup daemon. Lists Nodes once, then follows a watch, keeping a
// compact record per Node; sweeps the records and deletes (with a UID precondition) the Nodes
// the cluster autoscaler scaled away (agent/cleanup_rule.h). Transient failures are retried with
// capped exponential backoff; only bad configuration at start-up ends it.
#pragma once

#include <cstddef>
#include <string>

namespace kc::cleanup {

struct CleanupOptions {
  std::string kubeconfig = "/etc/kc/kc-cleanup.kubeconfig";
  std::string context;
  // The flag form, instead of a kubeconfig: all four together.
  std::string server;
  std::string certificate_authority;
  std::string client_certificate;
  std::string client_key;
  std::string grace = "5m";
  size_t max_deletions = 5;
  std::string interval = "30s";
  std::string resync = "10m";
  std::string backoff_max = "30s";
  std::string request_timeout = "60s";
  size_t page_size = 500;
  // gzip for list pages: off by default, as kc-cleanup runs beside its API server (compressing
  // and inflating 42 MB per 5,000-node list cost both ends more CPU than everything else).
  bool compressed_lists = false;
  bool once = false;
};

// Runs the daemon (or one sweep with options.once) on the host under `root`; returns the exit
// code. The command line is agent/cleanup_commands.h.
int run_cleanup(const CleanupOptions& options, const std::string& root, bool dry_run);

}  // namespace kc::cleanup
