// "kc-worker install" and "kc-worker join": their flags, and resolving them into the one
// WorkerConfig the plan is built from.
#pragma once

#include "bootstrap/worker_config.h"
#include "common/cli/cli.h"

namespace kc::worker {

CLI::App* add_install_command(CLI::App& app, AssetOptions& assets);
int run_install_command(const AssetOptions& assets, const cli::GlobalOptions& global);

CLI::App* add_join_command(CLI::App& app, JoinOptions& options);
// Resolves and validates the options (a bad value is a usage error, exit code 2), then runs
// the plan.
int run_join_command(const JoinOptions& options, const cli::GlobalOptions& global);

}  // namespace kc::worker
