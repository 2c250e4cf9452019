#include "common/cli/plan_command.h"

#include <spdlog/spdlog.h>

#include <cstdio>

#include "common/core/exit_codes.h"
#include "common/core/lock.h"

namespace kc {

int run_plan_command(const std::string& command, Plan& plan, const cli::GlobalOptions& options) {
  Host host(options.root);
  if (!options.dry_run) {
    auto missing = unimplemented_steps(plan);
    if (!missing.empty()) {
      spdlog::error(
          "{}: this version of kc can only plan this command, not run it; nothing was "
          "changed. Run it with --dry-run to see the plan. Not implemented yet:",
          command);
      for (const auto& step : missing) spdlog::error("  {}", step);
      return exit_code::failed;
    }
  }
  // One kc at a time; a dry run changes nothing and needs no lock.
  std::optional<HostLock> lock;
  if (!options.dry_run) {
    std::string holder;
    auto acquired = HostLock::try_acquire(host, &holder);
    if (!acquired) {
      spdlog::error("{}: {}", command, acquired.error().message());
      return exit_code::failed;
    }
    if (!*acquired) {
      spdlog::error(
          "{}: another kc{} holds the lock {}; nothing was changed. Run it again when "
          "that one has finished.",
          command, holder.empty() ? "" : " (pid " + holder + ")",
          host.path(HostLock::kPath).string());
      return exit_code::locked;
    }
    lock = std::move(*acquired);
  }
  if (options.dry_run) {
    std::printf("%s: dry run under root %s; nothing will be changed\n", command.c_str(),
                host.root().c_str());
  }
  StepContext context(host, options.dry_run);
  auto report = execute(plan, context, stdout);
  if (!report) {
    spdlog::error("{}: {}", command, report.error().message());
    return exit_code::failed;
  }
  std::printf("%s: %d step(s) %s, %d already in place\n", command.c_str(), report->changed,
              options.dry_run ? "would change the host" : "changed the host", report->unchanged);
  return exit_code::ok;
}

}  // namespace kc
