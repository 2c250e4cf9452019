#include "agent/init_plan.h"

#include <fmt/format.h>

#include "agent/cleanup_credentials.h"
#include "common/systemd/units_step.h"

namespace kc::leader {
namespace {

void add_units(Phase& phase, std::vector<UnitSpec> specs) {
  phase.steps.push_back(std::make_unique<UnitsStep>(std::move(specs)));
}

}  // namespace

Plan make_init_plan(const InitOptions& o) {
  Plan plan_;
  Phase preflight{"preflight", {}};
  add_planned(preflight, "check that containerd answers on unix:///run/containerd/containerd.sock");
  add_planned(preflight, "read the instance's region, zone and private DNS name from AWS IMDSv2");

  Phase assets{"assets", {}};
  assets.steps.push_back(std::make_unique<AssetsStep>(o.assets));

  Phase units{"units", {}};
  // Until kubeadm writes its configuration, kubelet restarts every 10 s, as after a package
  // install.
  add_units(units, {embedded_unit_spec("kubelet.service", true)});

  Phase kubeadm{"kubeadm", {}};
  add_planned(kubeadm,
              fmt::format("write /etc/kc/kubeadm-init.yaml (kubeadm.k8s.io/v1beta4, Kubernetes "
                          "{}, cluster {}, cloud-provider external, containerd socket)",
                          o.assets.kubernetes_version, o.cluster_name));
  add_planned(kubeadm,
              "run kubeadm init --config /etc/kc/kubeadm-init.yaml (skipped when the "
              "control plane is already up)");

  Phase addons{"addons", {}};
  add_planned(addons, "apply flannel (pod network)");
  add_planned(addons, "apply the AWS cloud-controller-manager (external cloud provider)");
  add_planned(addons, "apply the kubelet serving-certificate approver");
  add_planned(addons,
              "apply cluster-autoscaler with ASG auto-discovery for cluster " + o.cluster_name);
  add_planned(addons, "apply metrics-server");

  Phase cleanup{"cleanup", {}};
  const cleanup::CredentialsOptions credentials;
  cleanup.steps.push_back(cleanup::make_client_credentials_step(credentials));
  cleanup.steps.push_back(
      std::make_unique<FileStep>(credentials.rbac_manifest, cleanup::rbac_manifest(), 0644));
  cleanup.steps.push_back(cleanup::make_rbac_apply_step(credentials));
  add_units(cleanup, {embedded_unit_spec("kc-cleanup.service", true)});

  Phase join{"worker-user-data", {}};
  add_planned(join,
              "compute the discovery CA hash of /etc/kubernetes/pki/ca.crt and create a bootstrap "
              "token");
  add_planned(join, "print the worker user data (Ignition 3.5) that runs kc-worker at boot");

  for (Phase* p : {&preflight, &assets, &units, &kubeadm, &addons, &cleanup, &join}) {
    plan_.push_back(std::move(*p));
  }
  return plan_;
}

}  // namespace kc::leader
