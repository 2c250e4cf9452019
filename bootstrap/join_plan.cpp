#include "bootstrap/join_plan.h"

#include <fmt/format.h>

#include "common/systemd/units_step.h"

namespace kc::worker {
namespace {

Phase assets_phase(const JoinOptions& o) {
  Phase assets{"assets", {}};
  assets.steps.push_back(std::make_unique<AssetsStep>(o.assets));
  return assets;
}

}  // namespace

Plan make_install_plan(const JoinOptions& options) {
  Plan out;
  out.push_back(assets_phase(options));
  return out;
}

Plan make_join_plan(const JoinOptions& o) {
  Plan out;
  out.push_back(assets_phase(o));

  Phase units{"units", {}};
  // kc-worker.service is what runs this plan at boot: enabled for the next boot, never started
  // from here (its start job would wait for this very process).
  units.steps.push_back(std::make_unique<UnitsStep>(
      std::vector<UnitSpec>{embedded_unit_spec("kubelet.service", true),
                            embedded_unit_spec("kc-worker.service", false)}));
  out.push_back(std::move(units));

  Phase join{"kubeadm", {}};
  const std::string server = o.api_server.empty() ? "<api-server>" : o.api_server;
  add_planned(
      join,
      fmt::format("write /etc/kc/kubeadm-join.yaml (kubeadm.k8s.io/v1beta4 "
                  "JoinConfiguration: API server {}, CA pinned by {}, bootstrap token {}, "
                  "cloud-provider external)",
                  server, o.ca_cert_hash.empty() ? "<ca-cert-hash>" : o.ca_cert_hash, o.token));
  add_planned(join,
              "run kubeadm join --config /etc/kc/kubeadm-join.yaml (skipped when "
              "/etc/kubernetes/kubelet.conf shows the node already joined)");
  out.push_back(std::move(join));
  return out;
}

}  // namespace kc::worker
