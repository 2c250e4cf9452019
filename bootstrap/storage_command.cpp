#include "bootstrap/storage_command.h"

#include "common/cli/storage_command.h"

namespace kc::worker {

CLI::App* add_storage_command(CLI::App& app, storage::StorageOptions& options) {
  return cli::add_storage_command(app, options);
}

int run_storage_command(const storage::StorageOptions& options, const cli::GlobalOptions& global) {
  return cli::run_storage_command("kc-worker", options, global);
}

}  // namespace kc::worker
