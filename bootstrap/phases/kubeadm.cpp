#include <fmt/format.h>

#include "bootstrap/phases/phases.h"
#include "common/core/plan.h"

namespace kc::worker {

Phase kubeadm_phase(const WorkerConfig& c) {
  Phase phase{"kubeadm", {}};
  add_planned(phase, fmt::format("write /etc/kc/kubeadm-join.yaml (kubeadm.k8s.io/v1beta4 "
                                 "JoinConfiguration: API server {}, CA pinned by {}, bootstrap "
                                 "token {}, cloud-provider external)",
                                 c.has_join_data() ? c.api_server : "<api-server>",
                                 c.has_join_data() ? c.ca_cert_hash : "<ca-cert-hash>", c.token));
  add_planned(phase,
              "run kubeadm join --config /etc/kc/kubeadm-join.yaml (skipped when "
              "/etc/kubernetes/kubelet.conf shows the node already joined)");
  return phase;
}

}  // namespace kc::worker
