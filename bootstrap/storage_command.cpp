#include "bootstrap/storage_command.h"

#include "bootstrap/phases/phases.h"
#include "common/cli/plan_command.h"
#include "common/cli/storage_flags.h"
#include "common/cli/usage.h"

namespace kc::worker {

CLI::App* add_storage_command(CLI::App& app, storage::StorageOptions& options) {
  CLI::App* command = cli::add_command(
      app, "storage",
      "RAID0, format and mount the instance-store disks; put containerd's and kubelet's data "
      "there");
  cli::add_storage_flags(command, options, false);
  return command;
}

int run_storage_command(const storage::StorageOptions& options, const cli::GlobalOptions& global) {
  if (auto ok = storage::check_storage_options(options); !ok)
    return cli::usage_error("kc-worker", ok.error());
  Plan plan;
  plan.push_back(storage_phase(options));
  return run_plan_command("kc-worker storage", plan, global);
}

}  // namespace kc::worker
