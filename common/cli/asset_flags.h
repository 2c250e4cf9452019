// The command-line flags of the assets step, shared by kc-worker install/join and kc-leader init.
#pragma once

#include <CLI/CLI.hpp>

#include "common/assets/assets_step.h"

namespace kc::cli {

// Adds --kubernetes-version, --arch, --catalog, --mirror, --ca-file, --allow-unpinned,
// --verify-installed, --max-connections, --retries and --stall-timeout to a command.
void add_asset_flags(CLI::App* command, AssetOptions& options);

}  // namespace kc::cli
