// "kc-leader cleanup": the kc-cleanup daemon. Lists Nodes once, then follows a watch, keeping a
// compact record per Node; sweeps the records and deletes (with a UID precondition) the Nodes
// the cluster autoscaler scaled away (agent/cleanup_rule.h). Transient failures are retried with
// capped exponential backoff; only bad configuration at start-up ends it.
#pragma once

#include <CLI/CLI.hpp>

#include <string>

#include "common/cli/cli.h"

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
  bool once = false;
};

CLI::App* add_cleanup_command(CLI::App& app, CleanupOptions& options);
int run_cleanup_command(const CleanupOptions& options, const cli::GlobalOptions& global);

}  // namespace kc::cleanup
