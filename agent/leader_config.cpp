#include "agent/leader_config.h"

#include <regex>

#include "common/kube/kubeadm_config.h"
#include "common/net/cidr.h"
#include "common/node/preflight_checks.h"

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

bool dns_name(const std::string& v) {
  static const std::regex name("[A-Za-z0-9]([-A-Za-z0-9.]*[A-Za-z0-9])?");
  return v.size() <= 253 && std::regex_match(v, name);
}

// HOST or HOST:PORT, HOST a DNS name or an IPv4 address ([IPv6]:PORT too).
bool endpoint(const std::string& v) {
  static const std::regex with_port("(.+):([0-9]{1,5})");
  static const std::regex bracketed("\\[([0-9A-Fa-f:.]+)\\](:[0-9]{1,5})?");
  std::smatch m;
  if (std::regex_match(v, m, bracketed)) return is_ip_address(m[1].str());
  std::string host = v;
  if (std::regex_match(v, m, with_port)) {
    host = m[1].str();
    const int port = std::stoi(m[2].str());
    if (port < 1 || port > 65535) return false;
  }
  return dns_name(host) || is_ipv4_address(host);
}

}  // namespace

node::PreflightOptions leader_preflight_options(const LeaderConfig& c) {
  node::PreflightOptions o;
  o.ignore = c.ignore_preflight_errors;
  o.ports = node::leader_ports();
  o.subnets = {c.pod_subnet, c.service_subnet};
  return o;
}

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
  if (!o.control_plane_endpoint.empty() && !endpoint(o.control_plane_endpoint)) {
    return invalid("--control-plane-endpoint", o.control_plane_endpoint,
                   "expected HOST or HOST:PORT (a DNS name or an IP address)");
  }
  for (const std::string& san : o.apiserver_cert_extra_sans) {
    if (!dns_name(san) && !is_ip_address(san)) {
      return invalid("--apiserver-cert-extra-sans", san, "not a DNS name or an IP address");
    }
  }
  static const std::regex user("[a-z_][a-z0-9_-]{0,31}");
  if (!o.kubeconfig_user.empty() && !std::regex_match(o.kubeconfig_user, user)) {
    return invalid("--kubeconfig-user", o.kubeconfig_user, "not a user name");
  }
  if (o.kubeadm_timeout_seconds < 60) {
    return invalid("--kubeadm-timeout", std::to_string(o.kubeadm_timeout_seconds),
                   "at least 60 seconds (kubeadm waits up to 4 minutes for the control plane)");
  }
  auto join = resolve_worker_join_options(o.join);
  if (!join) return std::move(join).error();
  KC_TRY(storage::check_storage_options(o.storage));
  LeaderConfig c;
  c.assets = o.assets;
  c.identity = o.identity;
  c.ignore_preflight_errors = o.ignore_preflight_errors;
  c.control_plane_endpoint = o.control_plane_endpoint;
  c.apiserver_cert_extra_sans = o.apiserver_cert_extra_sans;
  c.kubeconfig_user = o.kubeconfig_user;
  c.kubeadm_timeout = std::chrono::seconds(o.kubeadm_timeout_seconds);
  c.cluster_name = o.cluster_name;
  c.kubernetes_version = o.assets.kubernetes_version;
  c.arch = o.assets.arch;
  c.pod_subnet = o.pod_subnet;
  c.service_subnet = o.service_subnet;
  c.join = std::move(*join);
  c.storage = o.storage;
  const std::string unknown =
      node::unknown_preflight_name(c.ignore_preflight_errors, leader_preflight_options(c));
  if (!unknown.empty()) {
    return invalid(
        "--ignore-preflight-errors", unknown, "no preflight check has that name",
        "the names are: all, " + [&] {
          std::string names;
          for (const auto& n : node::preflight_check_names(leader_preflight_options(c)))
            names += (names.empty() ? "" : ", ") + n;
          return names;
        }());
  }
  return c;
}

}  // namespace kc::leader
