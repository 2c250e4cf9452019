#include "agent/phases/phases.h"
#include "common/core/plan.h"

namespace kc::leader {

Phase worker_user_data_phase(const LeaderConfig&) {
  Phase phase{"worker-user-data", {}};
  add_planned(phase,
              "compute the discovery CA hash of /etc/kubernetes/pki/ca.crt and create a "
              "bootstrap token");
  add_planned(phase, "print the worker user data (Ignition 3.5) that runs kc-worker at boot");
  return phase;
}

}  // namespace kc::leader
