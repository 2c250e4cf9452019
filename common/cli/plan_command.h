#pragma once

#include <string>

#include "common/cli/cli.h"
#include "common/core/plan.h"

namespace kc {

// Runs a plan for a command ("kc-leader init") with the global options and returns the exit
// code. With --dry-run it prints what each step would do; a real run refuses, before changing
// anything, a plan holding steps this version cannot perform.
int run_plan_command(const std::string& command, Plan& plan, const cli::GlobalOptions& options);

}  // namespace kc
