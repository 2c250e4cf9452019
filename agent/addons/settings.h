// The one resolved configuration every add-on builder reads: what the operator gave
// (--cluster-name, --kubernetes-version, --pod-subnet, --max-nodes, --autoscaler-arg) and what
// the node identity says (region, VPC CIDRs, the leader's names and addresses). Builders take
// nothing else, so `addons render`, `addons apply` and init's addons phase build the same
// objects from the same settings.
#pragma once

#include <string>
#include <vector>

#include "common/core/error.h"

namespace kc::addons {

struct AddonSettings {
  std::string cluster_name = "kubernetes";
  std::string kubernetes_version;  // MAJOR.MINOR.PATCH; the minor picks the version-table row
  std::string pod_subnet = "10.244.0.0/16";
  std::string region;                  // "eu-west-1"
  std::vector<std::string> vpc_cidrs;  // the VPC's IPv4 blocks: node IPs the approver accepts
  int max_nodes = 100;                 // the largest the cluster may grow: sizes metrics-server
  std::vector<std::string> autoscaler_args;  // "--flag=value", replacing kc's default of a flag
};

// Checks every value; an error names the flag.
Status validate_settings(const AddonSettings& settings);

// "1.36" from "1.36.3".
std::string kubernetes_minor(const std::string& version);

}  // namespace kc::addons
