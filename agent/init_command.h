// "kc-leader init": its flags, and resolving them into the one LeaderConfig the plan is built
// from.
#pragma once

#include "agent/leader_config.h"
#include "common/cli/cli.h"

namespace kc::leader {

// The flags of init, on any command that builds what init builds ("config kubeadm" too).
void add_init_flags(CLI::App* command, InitOptions& options);

CLI::App* add_init_command(CLI::App& app, InitOptions& options);

// Resolves and validates the options (a bad value is a usage error, exit code 2), then runs
// the plan.
int run_init_command(const InitOptions& options, const cli::GlobalOptions& global);

}  // namespace kc::leader
