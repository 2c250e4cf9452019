#include "bootstrap/join_plan.h"

#include <fmt/format.h>

#include "common/units.h"

namespace kc::worker {
namespace {

void plan(Phase& phase, std::string description) {
  phase.steps.push_back(std::make_unique<PlannedStep>(std::move(description)));
}

void unit_file(Phase& phase, std::string_view name) {
  phase.steps.push_back(std::make_unique<FileStep>(fmt::format("{}/{}", paths::systemd_units, name),
                                                   std::string(embedded_unit(name).value()), 0644));
}

Phase assets_phase(const JoinOptions& o) {
  Phase assets{"assets", {}};
  AssetOptions options = o.assets;
  options.kubernetes_version = o.kubernetes_version;
  options.arch = o.arch;
  assets.steps.push_back(std::make_unique<AssetsStep>(std::move(options)));
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
  unit_file(units, "kubelet.service");
  unit_file(units, "kubelet.service.d/10-kubeadm.conf");
  unit_file(units, "kc-worker.service");
  plan(units, "reload systemd and enable kubelet.service and kc-worker.service over D-Bus");
  out.push_back(std::move(units));

  Phase join{"kubeadm", {}};
  const std::string server = o.api_server.empty() ? "<api-server>" : o.api_server;
  plan(join, fmt::format("write /etc/kc/kubeadm-join.yaml (kubeadm.k8s.io/v1beta4 "
                         "JoinConfiguration: API server {}, CA pinned by {}, bootstrap token {}, "
                         "cloud-provider external)",
                         server, o.ca_cert_hash.empty() ? "<ca-cert-hash>" : o.ca_cert_hash,
                         o.token));
  plan(join, "run kubeadm join --config /etc/kc/kubeadm-join.yaml (skipped when "
             "/etc/kubernetes/kubelet.conf shows the node already joined)");
  out.push_back(std::move(join));
  return out;
}

}  // namespace kc::worker
