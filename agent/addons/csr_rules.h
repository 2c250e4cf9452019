// Which kubelet serving certificates may be approved. Two approvers share the work:
//   - kubelet-csr-approver (in the cluster) approves a node whose CSR asks for exactly one DNS
//     name, its own private DNS name in this region (ip-A-B-C-D.REGION.compute.internal,
//     ip-A-B-C-D.ec2.internal in us-east-1), which resolves to addresses in the VPC, and IP
//     addresses inside the VPC CIDRs: what a private worker asks for.
//   - kc-leader approves the leader's own CSR, which on an instance with a public IP also asks
//     for the public DNS name and the public IP (kubelet-csr-approver issue 70: denied by the
//     approver's rules). kc knows exactly what the leader is (its instance metadata), so it
//     approves only a CSR from system:node:LEADER whose every name and address is one of the
//     leader's own. Nothing else is relaxed: no second DNS name for anyone, no hostname bypass.
// approver_verdict() models kubelet-csr-approver's checks so a test shows what the rendered
// configuration accepts and refuses.
#pragma once

#include <nlohmann/json_fwd.hpp>

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "agent/addons/settings.h"
#include "common/core/error.h"

namespace kc::addons {

struct ApproverRules {
  std::string provider_regex;  // PROVIDER_REGEX (Go RE2 syntax, also valid ECMAScript here)
  std::string ip_prefixes;     // PROVIDER_IP_PREFIXES: the VPC CIDRs, comma separated
  int allowed_dns_names = 1;   // ALLOWED_DNS_NAMES
  long max_expiration_seconds = 31622400;  // MAX_EXPIRATION_SEC: 366 days (upstream's example)
};

// "ec2.internal" in us-east-1, "REGION.compute.internal" elsewhere (the EC2 private DNS names).
std::string private_dns_domain(const std::string& region);

ApproverRules approver_rules(const AddonSettings& settings);

// The rules as a rendered approver Deployment carries them in its environment.
Result<ApproverRules> approver_rules_from(const nlohmann::json& deployment);

// What a kubelet serving CSR asks for.
struct ServingCsr {
  std::string name;         // metadata.name
  std::string username;     // spec.username: "system:node:NODE"
  std::string signer;       // spec.signerName
  std::string common_name;  // the request's subject CN
  std::vector<std::string> dns_names;
  std::vector<std::string> ip_addresses;
  std::optional<long> expiration_seconds;
  std::string condition;  // "Approved", "Denied" or "" (pending)
};

// A CertificateSigningRequest object (certificates.k8s.io/v1) with its PEM request parsed.
Result<ServingCsr> parse_serving_csr(const nlohmann::json& csr);

// Resolves a DNS name to its addresses (empty: does not resolve).
using Resolver = std::function<std::vector<std::string>(const std::string& name)>;

// kubelet-csr-approver's decision for a kubelet-serving CSR (internal/controller/
// csr_controller.go and regex_ip_checks.go @v1.2.14, in their order): "" when it approves,
// otherwise its reason.
std::string approver_verdict(const ApproverRules& rules, const ServingCsr& csr,
                             const Resolver& resolve);

// The leader as kc knows it from its instance metadata.
struct LeaderIdentity {
  std::string node_name;               // the private DNS name, the node's name
  std::vector<std::string> dns_names;  // every name it may be called: private and public
  std::vector<std::string> addresses;  // its private and public IPv4 addresses
};

// kc-leader's rule for the leader's own serving CSR: "" when kc approves it, else why not.
std::string leader_csr_refusal(const LeaderIdentity& leader, const ServingCsr& csr);

// True when the IP address lies in one of the comma-separated CIDR blocks.
bool address_in_prefixes(const std::string& address, const std::string& prefixes);

}  // namespace kc::addons
