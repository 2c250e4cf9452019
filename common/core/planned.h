// Adding a step a later version of kc performs (planned, described, never run) to a phase.
#pragma once

#include <memory>
#include <string>

#include "common/core/plan.h"

namespace kc {

inline void add_planned(Phase& phase, std::string description) {
  phase.steps.push_back(std::make_unique<PlannedStep>(std::move(description)));
}

}  // namespace kc
