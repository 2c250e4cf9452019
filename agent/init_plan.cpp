#include "agent/init_plan.h"

#include <fmt/format.h>

#include "agent/cleanup_credentials.h"
#include "common/units.h"

namespace kc::leader {
namespace {

void plan(Phase& phase, std::string description) {
  phase.steps.push_back(std::make_unique<PlannedStep>(std::move(description)));
}

void unit_file(Phase& phase, std::string_view name) {
  auto content = embedded_unit(name);
  phase.steps.push_back(std::make_unique<FileStep>(fmt::format("{}/{}", paths::systemd_units, name),
                                                   std::string(content.value()), 0644));
}

}  // namespace

Plan make_init_plan(const InitOptions& o) {
  Plan plan_;
  Phase preflight{"preflight", {}};
  plan(preflight, "check that containerd answers on unix:///run/containerd/containerd.sock");
  plan(preflight, "read the instance's region, zone and private DNS name from AWS IMDSv2");

  Phase assets{"assets", {}};
  plan(assets, fmt::format("install kubeadm, kubelet and kubectl {} ({}) to {}, verified against "
                           "pinned SHA-256 digests",
                           o.kubernetes_version, o.arch, paths::opt_bin));
  plan(assets, fmt::format("install crictl ({}) to {}", o.arch, paths::opt_bin));
  plan(assets, fmt::format("install the CNI plugins ({}) to {}", o.arch, paths::cni_bin));

  Phase units{"units", {}};
  unit_file(units, "kubelet.service");
  unit_file(units, "kubelet.service.d/10-kubeadm.conf");
  plan(units, "reload systemd and enable kubelet.service over D-Bus");

  Phase kubeadm{"kubeadm", {}};
  plan(kubeadm, fmt::format("write /etc/kc/kubeadm-init.yaml (kubeadm.k8s.io/v1beta4, Kubernetes "
                            "{}, cluster {}, cloud-provider external, containerd socket)",
                            o.kubernetes_version, o.cluster_name));
  plan(kubeadm,
       "run kubeadm init --config /etc/kc/kubeadm-init.yaml (skipped when the "
       "control plane is already up)");

  Phase addons{"addons", {}};
  plan(addons, "apply flannel (pod network)");
  plan(addons, "apply the AWS cloud-controller-manager (external cloud provider)");
  plan(addons, "apply the kubelet serving-certificate approver");
  plan(addons, "apply cluster-autoscaler with ASG auto-discovery for cluster " + o.cluster_name);
  plan(addons, "apply metrics-server");

  Phase cleanup{"cleanup", {}};
  const cleanup::CredentialsOptions credentials;
  cleanup.steps.push_back(cleanup::make_client_credentials_step(credentials));
  cleanup.steps.push_back(
      std::make_unique<FileStep>(credentials.rbac_manifest, cleanup::rbac_manifest(), 0644));
  cleanup.steps.push_back(cleanup::make_rbac_apply_step(credentials));
  unit_file(cleanup, "kc-cleanup.service");
  plan(cleanup, "enable and start kc-cleanup.service over D-Bus");

  Phase join{"worker-user-data", {}};
  plan(join,
       "compute the discovery CA hash of /etc/kubernetes/pki/ca.crt and create a bootstrap "
       "token");
  plan(join, "print the worker user data (Ignition 3.5) that runs kc-worker at boot");

  for (Phase* p : {&preflight, &assets, &units, &kubeadm, &addons, &cleanup, &join}) {
    plan_.push_back(std::move(*p));
  }
  return plan_;
}

}  // namespace kc::leader
