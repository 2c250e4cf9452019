// The command line of kc-leader's cleanup subcommands ("cleanup", "cleanup-credentials"): their
// flags (CLI11) and how they run. The daemon and the steps know no command line.
#pragma once

#include "agent/cleanup.h"
#include "agent/cleanup_credentials.h"
#include "common/cli/cli.h"

namespace kc::cleanup {

CLI::App* add_cleanup_command(CLI::App& app, CleanupOptions& options);
int run_cleanup_command(const CleanupOptions& options, const cli::GlobalOptions& global);

CLI::App* add_credentials_command(CLI::App& app, CredentialsOptions& options);
int run_credentials_command(const CredentialsOptions& options, const cli::GlobalOptions& global);

}  // namespace kc::cleanup
