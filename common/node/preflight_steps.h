// The preflight phase of every node (leader and worker alike), in its order: the checks first,
// so that when one fails the steps after it (which change the host) never run; then containerd
// enabled, started and answering CRI; then the kernel modules and sysctls persisted.
#pragma once

#include <memory>
#include <vector>

#include "common/aws/identity_step.h"
#include "common/core/plan.h"
#include "common/node/preflight_checks.h"

namespace kc::node {

// `identity` is the one the identity phase resolves when the plan runs (the subnet check and
// the sysctls read it).
std::vector<std::unique_ptr<Step>> preflight_steps(
    const PreflightOptions& options, const std::shared_ptr<aws::ResolvedIdentity>& identity);

}  // namespace kc::node
