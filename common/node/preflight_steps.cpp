#include "common/node/preflight_steps.h"

#include "common/node/containerd_step.h"
#include "common/node/kernel_setup_steps.h"

namespace kc::node {

std::vector<std::unique_ptr<Step>> preflight_steps(
    const PreflightOptions& options, const std::shared_ptr<aws::ResolvedIdentity>& identity) {
  std::vector<std::unique_ptr<Step>> steps;
  steps.push_back(std::make_unique<PreflightChecksStep>(options, identity));
  steps.push_back(std::make_unique<ContainerdStep>());
  steps.push_back(std::make_unique<KernelModulesStep>());
  steps.push_back(std::make_unique<SysctlStep>(identity));
  return steps;
}

}  // namespace kc::node
