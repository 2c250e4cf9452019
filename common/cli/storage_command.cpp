#include "common/cli/storage_command.h"

#include "common/cli/plan_command.h"
#include "common/cli/storage_flags.h"
#include "common/cli/usage.h"
#include "common/storage/storage_steps.h"

namespace kc::cli {

CLI::App* add_storage_command(CLI::App& app, storage::StorageOptions& options) {
  CLI::App* command = add_command(
      app, "storage",
      "RAID0, format and mount the instance-store disks; put containerd's and kubelet's data "
      "there");
  add_storage_flags(command, options, false);
  return command;
}

int run_storage_command(const std::string& binary, storage::StorageOptions options,
                        const GlobalOptions& global) {
  if (auto ok = storage::check_storage_options(options); !ok)
    return usage_error(binary, ok.error());
  options.program = "/opt/bin/" + binary;
  Phase phase{"storage", {}};
  storage::add_storage_steps(phase, options);
  Plan plan;
  plan.push_back(std::move(phase));
  return run_plan_command(binary + " storage", plan, global);
}

}  // namespace kc::cli
