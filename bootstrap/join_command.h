// "kc-worker install", "kc-worker join" and "kc-worker config kubeadm": their flags, and
// resolving them into the one WorkerConfig the plan is built from.
#pragma once

#include "bootstrap/worker_config.h"
#include "common/cli/cli.h"

namespace kc::worker {

CLI::App* add_install_command(CLI::App& app, AssetOptions& assets);
int run_install_command(const AssetOptions& assets, const cli::GlobalOptions& global);

CLI::App* add_join_command(CLI::App& app, JoinOptions& options);
// Resolves and validates the options (a bad value is a usage error, exit code 2), reads the
// join file (an error there is exit code 1), then runs the plan and ends with one status line
// (node, joined or already joined, API server, time per phase), also sent to systemd as the
// service's STATUS.
int run_join_command(const JoinOptions& options, const cli::GlobalOptions& global);

struct ConfigOptions {
  JoinOptions join;
  bool show_secrets = false;
};

// "config kubeadm": prints the JoinConfiguration join would write (token redacted unless
// --show-secrets). Returns the "kubeadm" subcommand.
CLI::App* add_config_command(CLI::App& app, ConfigOptions& options);
int run_config_command(const ConfigOptions& options, const cli::GlobalOptions& global);

}  // namespace kc::worker
