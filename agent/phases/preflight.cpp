#include "agent/phases/phases.h"
#include "common/core/plan.h"

namespace kc::leader {

Phase preflight_phase(const LeaderConfig&) {
  Phase phase{"preflight", {}};
  add_planned(phase, "check that containerd answers on unix:///run/containerd/containerd.sock");
  add_planned(phase, "read the instance's region, zone and private DNS name from AWS IMDSv2");
  return phase;
}

}  // namespace kc::leader
