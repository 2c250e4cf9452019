// The runner of a plan command ("kc-worker install", "kc-leader init"): refusals, the host lock,
// the plan itself through the engine, and the counts.
#pragma once

#include <functional>
#include <string>

#include "common/cli/cli.h"
#include "common/core/plan.h"

namespace kc {

// Runs a plan for a command with the global options and returns the exit code. With --dry-run
// it prints what each step would do. A real run refuses, before changing anything, a plan
// holding steps this version cannot perform, and (under a --root other than "/") a plan that
// talks to systemd when no --system-bus was given. Every line goes through `reporter` (a
// StreamReporter on stdout when null).
// With skip_planned, planned steps do not refuse the run: each is skipped with a warning
// (StepContext::skip_planned); "kc-leader init" runs so while other phases are still planned.
// Work beside a real run's steps: start() once nothing refuses the run and the host lock is held,
// before the first step; stop() once the plan has run, whatever its outcome, while the host and
// the reporter are still there. kc-worker join and kc-leader init start their downloads so
// (common/assets/asset_prefetch.h). A dry run calls neither.
struct PlanCompanion {
  std::function<void(const StepContext&)> start;
  std::function<void()> stop;
};

int run_plan_command(const std::string& command, Plan& plan, const cli::GlobalOptions& options,
                     Reporter* reporter = nullptr, bool skip_planned = false,
                     const PlanCompanion& companion = {});

}  // namespace kc
