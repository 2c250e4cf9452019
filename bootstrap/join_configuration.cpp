#include "bootstrap/join_configuration.h"

namespace kc::worker {

kubeadm::JoinConfiguration make_join_configuration(
    const WorkerConfig& c, const std::optional<aws::NodeIdentity>& identity) {
  using std::chrono::minutes;
  kubeadm::JoinConfiguration j;
  kubeadm::NodeRegistration& node = j.node_registration;
  // The AWS cloud-controller-manager initialises the node (addresses, zone, providerID).
  node.kubelet_extra_args.push_back({"cloud-provider", "external"});
  if (identity) {
    node.name = identity->node_name;
    if (!identity->node_ip.empty())
      node.kubelet_extra_args.push_back({"node-ip", identity->node_ip});
    if (!identity->provider_id.empty()) {
      node.kubelet_extra_args.push_back({"provider-id", identity->provider_id});
    }
  }
  j.discovery.api_server_endpoint = c.join.api_server;
  j.discovery.token = c.join.token;
  j.discovery.ca_cert_hashes = c.join.ca_cert_hashes;
  // kc waits for an unreachable API server itself (--join-timeout) and checks the token and the
  // CA pin before kubeadm runs, so kubeadm's own waits can be short.
  j.timeouts.discovery = minutes(2);
  j.timeouts.tls_bootstrap = minutes(5);
  j.timeouts.kubernetes_api_call = minutes(1);
  return j;
}

std::string join_configuration_yaml(const WorkerConfig& c,
                                    const std::optional<aws::NodeIdentity>& identity,
                                    bool show_secrets) {
  return kubeadm::join_yaml(make_join_configuration(c, identity), {show_secrets});
}

}  // namespace kc::worker
