#include "common/cli/plan_command.h"

#include <fmt/format.h>

#include <cstdio>
#include <optional>

#include "common/core/exit_codes.h"
#include "common/core/lock.h"
#include "common/systemd/system_bus.h"

namespace kc {
namespace {

bool needs_systemd(const Plan& plan) {
  for (const Phase& phase : plan) {
    for (const auto& step : phase.steps) {
      if (step->needs_systemd()) return true;
    }
  }
  return false;
}

// Why a real run of this plan must not start; each reason is told. False: nothing refuses.
bool refused(const std::string& command, const Plan& plan, const Host& host,
             const cli::GlobalOptions& options, Reporter& out, bool skip_planned) {
  bool refuse = false;
  if (needs_systemd(plan) && !systemd_bus_for(host, options.system_bus)) {
    out.error("",
              fmt::format("{}: {}; nothing was changed", command, no_systemd_bus(host).message()));
    refuse = true;
  }
  auto missing = unimplemented_steps(plan);
  if (!missing.empty() && !skip_planned) {
    out.error("", fmt::format("{}: this version of kc can only plan this command, not run it; "
                              "nothing was changed. Run it with --dry-run to see the plan. Not "
                              "implemented yet:",
                              command));
    for (const auto& step : missing) out.error("", "  " + step);
    refuse = true;
  }
  return refuse;
}

}  // namespace

int run_plan_command(const std::string& command, Plan& plan, const cli::GlobalOptions& options,
                     Reporter* given, bool skip_planned, const PlanCompanion& companion) {
  StreamReporter stream(stdout);
  Reporter& out = given != nullptr ? *given : stream;
  Host host(options.root);
  // One kc at a time; a dry run changes nothing and needs no lock.
  std::optional<HostLock> lock;
  if (options.dry_run) {
    out.line("", fmt::format("{}: dry run under root {}; nothing will be changed", command,
                             host.root().string()));
  } else {
    if (refused(command, plan, host, options, out, skip_planned)) return exit_code::failed;
    std::string holder;
    auto acquired = HostLock::try_acquire(host, &holder);
    if (!acquired) {
      out.error("", fmt::format("{}: {}", command, acquired.error().message()));
      return exit_code::failed;
    }
    if (!*acquired) {
      out.error("", fmt::format("{}: another kc{} holds the lock {}; nothing was changed. Run it "
                                "again when that one has finished.",
                                command, holder.empty() ? "" : " (pid " + holder + ")",
                                host.path(HostLock::kPath).string()));
      return exit_code::locked;
    }
    lock = std::move(*acquired);
  }
  StepContext context(host, options.dry_run);
  context.reporter = &out;
  context.system_bus = options.system_bus;
  context.skip_planned = skip_planned;
  const bool companion_runs = !options.dry_run && companion.start;
  if (companion_runs) companion.start(context);
  auto report = execute(plan, context);
  if (companion_runs && companion.stop) companion.stop();
  if (!report) {
    out.error("", fmt::format("{}: {}", command, report.error().message()));
    return exit_code::failed;
  }
  out.line("", fmt::format("{}: {} step(s) {}, {} already in place", command, report->changed,
                           options.dry_run ? "would change the host" : "changed the host",
                           report->unchanged));
  return exit_code::ok;
}

}  // namespace kc
