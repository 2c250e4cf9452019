#include "agent/leader_config.h"

#include <regex>

#include "common/kube/kubeadm_config.h"
#include "common/net/cidr.h"

namespace kc::leader {
namespace {

Error invalid(const std::string& flag, const std::string& value, std::string why,
              std::string hint = "") {
  return Error{flag, value, std::move(why), std::move(hint)};
}

Result<Cidr> subnet(const std::string& flag, const std::string& value) {
  auto cidr = parse_cidr(value);
  if (!cidr) {
    return invalid(flag, value, "not a CIDR block with its host bits zero", "e.g. 10.244.0.0/16");
  }
  return *cidr;
}

}  // namespace

Result<LeaderConfig> resolve_leader_config(const InitOptions& o) {
  KC_TRY(kubeadm::check_kubernetes_version(o.assets.kubernetes_version, "--kubernetes-version"));
  // The cluster name is kubeadm's clusterName and part of the ASG auto-discovery tag key
  // kubernetes.io/cluster/NAME: keep it to characters both accept.
  static const std::regex cluster_name("[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?");
  if (!std::regex_match(o.cluster_name, cluster_name)) {
    return invalid("--cluster-name", o.cluster_name,
                   "expected 1-63 letters, digits, '-', '_' or '.', starting and ending with a "
                   "letter or digit");
  }
  auto pods = subnet("--pod-subnet", o.pod_subnet);
  if (!pods) return std::move(pods).error();
  auto services = subnet("--service-subnet", o.service_subnet);
  if (!services) return std::move(services).error();
  if (!services->ipv6 && services->prefix < 12) {
    return invalid("--service-subnet", o.service_subnet,
                   "larger than kube-apiserver accepts for IPv4 services (at most a /12)");
  }
  if (pods->overlaps(*services)) {
    return invalid("--pod-subnet", o.pod_subnet, "overlaps --service-subnet " + o.service_subnet,
                   "choose blocks that do not overlap");
  }
  auto join = resolve_worker_join_options(o.join);
  if (!join) return std::move(join).error();
  LeaderConfig c;
  c.assets = o.assets;
  c.cluster_name = o.cluster_name;
  c.kubernetes_version = o.assets.kubernetes_version;
  c.arch = o.assets.arch;
  c.pod_subnet = o.pod_subnet;
  c.service_subnet = o.service_subnet;
  c.join = std::move(*join);
  return c;
}

}  // namespace kc::leader
