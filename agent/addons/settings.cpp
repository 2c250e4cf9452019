#include "agent/addons/settings.h"

#include <regex>

#include "common/net/cidr.h"

namespace kc::addons {

std::string kubernetes_minor(const std::string& version) {
  const size_t first = version.find('.');
  if (first == std::string::npos) return version;
  const size_t second = version.find('.', first + 1);
  return version.substr(0, second);
}

Status validate_settings(const AddonSettings& s) {
  static const std::regex dns_label("^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$");
  static const std::regex region("^[a-z]{2}(-[a-z]+)+-[0-9]$");
  static const std::regex arg("^--[a-z0-9][-a-z0-9]*(=.*)?$");
  if (!std::regex_match(s.cluster_name, dns_label)) {
    return Error{"add-on settings", "--cluster-name '" + s.cluster_name + "'",
                 "not a DNS label (lower-case letters, digits and '-', at most 63)",
                 "it names the cluster's AWS tags and the autoscaler's discovery tag"};
  }
  if (!std::regex_match(s.region, region)) {
    return Error{"add-on settings", "--region '" + s.region + "'",
                 "not an AWS region name such as eu-west-1",
                 "give --region, or run on EC2 where the instance metadata says it"};
  }
  auto pods = parse_cidr(s.pod_subnet);
  if (!pods || pods->ipv6) {
    return Error{"add-on settings", "--pod-subnet '" + s.pod_subnet + "'",
                 "not an IPv4 CIDR block with zero host bits", ""};
  }
  if (s.vpc_cidrs.empty()) {
    return Error{"add-on settings", "--vpc-cidr", "no VPC CIDR block",
                 "give --vpc-cidr, or run on EC2 where the instance metadata says it"};
  }
  for (const std::string& c : s.vpc_cidrs) {
    auto cidr = parse_cidr(c);
    if (!cidr || cidr->ipv6) {
      return Error{"add-on settings", "--vpc-cidr '" + c + "'",
                   "not an IPv4 CIDR block with zero host bits", ""};
    }
  }
  if (s.max_nodes < 1 || s.max_nodes > 5000) {
    return Error{"add-on settings", "--max-nodes " + std::to_string(s.max_nodes),
                 "must be 1 to 5000 (metrics-server's tested limit)", ""};
  }
  for (const std::string& a : s.autoscaler_args) {
    if (!std::regex_match(a, arg)) {
      return Error{"add-on settings", "--autoscaler-arg '" + a + "'",
                   "expected one cluster-autoscaler flag as --name or --name=value", ""};
    }
  }
  return {};
}

}  // namespace kc::addons
