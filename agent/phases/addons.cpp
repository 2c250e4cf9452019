#include "agent/phases/phases.h"
#include "common/core/plan.h"

namespace kc::leader {

Phase addons_phase(const LeaderConfig& config) {
  Phase phase{"addons", {}};
  add_planned(phase, "apply flannel (pod network)");
  add_planned(phase, "apply the AWS cloud-controller-manager (external cloud provider)");
  add_planned(phase, "apply the kubelet serving-certificate approver");
  add_planned(
      phase, "apply cluster-autoscaler with ASG auto-discovery for cluster " + config.cluster_name);
  add_planned(phase, "apply metrics-server");
  return phase;
}

}  // namespace kc::leader
