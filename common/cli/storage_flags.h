// The command-line flags of the storage steps, shared by kc-worker storage/join and kc-leader
// init (--ephemeral-storage).
#pragma once

#include <CLI/CLI.hpp>

#include "common/storage/storage_steps.h"

namespace kc::cli {

// Adds --ephemeral-fs and --ephemeral-device; with `with_switch` also --ephemeral-storage
// on|off (whose default is options.enabled).
void add_storage_flags(CLI::App* command, storage::StorageOptions& options, bool with_switch);

}  // namespace kc::cli
