#include "agent/kubeadm_init_config.h"

#include <algorithm>
#include <cctype>

namespace kc::leader {
namespace {

int minor_of(const std::string& version) {
  const size_t first = version.find('.');
  return first == std::string::npos ? 0 : std::atoi(version.c_str() + first + 1);
}

void add_unique(std::vector<std::string>& list, const std::string& value) {
  if (!value.empty() && std::find(list.begin(), list.end(), value) == list.end()) {
    list.push_back(value);
  }
}

// kubeadm's own preflight knows these names too; kc's others (KernelModule-*, SubnetOverlap)
// would only puzzle it.
bool kubeadm_knows(const std::string& name) {
  std::string n = name;
  std::transform(n.begin(), n.end(), n.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return n == "all" || n == "isprivilegeduser" || n == "cri" || n == "swap" ||
         n.rfind("port-", 0) == 0;
}

}  // namespace

std::string control_plane_endpoint(const LeaderConfig& c, const aws::NodeIdentity& id) {
  const std::string& given = c.control_plane_endpoint;
  if (given.empty()) return id.node_name + ":6443";
  const bool has_port = given.back() != ']' && given.find(':') != std::string::npos &&
                        given.find(':') == given.rfind(':');
  const bool bracketed_with_port = given.front() == '[' && given.find("]:") != std::string::npos;
  return has_port || bracketed_with_port ? given : given + ":6443";
}

kubeadm::InitDocuments leader_init_documents(const LeaderConfig& c, const aws::NodeIdentity& id) {
  kubeadm::InitDocuments d;
  kubeadm::NodeRegistration& node = d.init.node_registration;
  node.name = id.node_name;
  // Per-node kubelet flags: the KubeletConfiguration is shared with every node.
  node.kubelet_extra_args = {
      {"cloud-provider", "external"},
      {"node-ip", id.node_ip},
      {"provider-id", id.provider_id},
  };
  for (const std::string& name : c.ignore_preflight_errors) {
    if (kubeadm_knows(name)) node.ignore_preflight_errors.push_back(name);
  }
  d.init.local_api_endpoint.advertise_address = id.node_ip;

  kubeadm::ClusterConfiguration& cluster = d.cluster;
  cluster.cluster_name = c.cluster_name;
  cluster.kubernetes_version = c.kubernetes_version;
  cluster.control_plane_endpoint = control_plane_endpoint(c, id);
  cluster.networking.pod_subnet = c.pod_subnet;
  cluster.networking.service_subnet = c.service_subnet;
  std::vector<std::string>& sans = cluster.api_server.cert_sans;
  add_unique(sans, id.node_name);
  add_unique(sans, id.node_ip);
  add_unique(sans, id.public_hostname);
  add_unique(sans, id.public_ipv4);
  if (!c.control_plane_endpoint.empty()) {
    const std::string endpoint = control_plane_endpoint(c, id);
    std::string host = endpoint.substr(0, endpoint.rfind(':'));
    if (host.size() > 2 && host.front() == '[') host = host.substr(1, host.size() - 2);
    add_unique(sans, host);
  }
  for (const std::string& san : c.apiserver_cert_extra_sans) add_unique(sans, san);
  // kubeadm 1.33-1.35 mounts a flex-volume directory into the controller-manager, by default on
  // the read-only /usr; 1.36 dropped flex volumes (kubernetes PR #136423).
  if (minor_of(c.kubernetes_version) <= 35) {
    cluster.controller_manager.extra_args.push_back({"flex-volume-plugin-dir", kVolumePluginDir});
  }

  d.kubelet.volume_plugin_dir = kVolumePluginDir;
  return d;
}

std::string leader_init_yaml(const LeaderConfig& c, const aws::NodeIdentity& id,
                             kubeadm::EmitOptions options) {
  return kubeadm::init_yaml(leader_init_documents(c, id), options);
}

}  // namespace kc::leader
