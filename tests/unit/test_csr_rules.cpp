#include "agent/addons/csr_rules.h"

#include <doctest/doctest.h>

#include <map>
#include <nlohmann/json.hpp>

#include "addons_fixture.h"
#include "agent/addons/addons.h"

using kc::addons::ServingCsr;
using nlohmann::json;

namespace {

// Serving CSRs as kubelets on EC2 send them, made with the real openssl (base64 of the PEM):
// the leader has a public IP, so it asks for its public DNS name and IP too (issue 70 of
// kubelet-csr-approver); a private worker asks for its private name and IP only.
const char* kLeaderRequest =
    "LS0tLS1CRUdJTiBDRVJUSUZJQ0FURSBSRVFVRVNULS0tLS0KTUlJQmtUQ0NBVFlDQVFBd1ZURVZNQk1HQTFVRUNn"
    "d01jM2x6ZEdWdE9tNXZaR1Z6TVR3d09nWURWUVFEREROegplWE4wWlcwNmJtOWtaVHBwY0MweE1DMHdMVEV0TVRB"
    "dVpYVXRkMlZ6ZEMweExtTnZiWEIxZEdVdWFXNTBaWEp1CllXd3dXVEFUQmdjcWhrak9QUUlCQmdncWhrak9QUU1C"
    "QndOQ0FBUnlMTU1JejJ0eEpJQkg2d2thSVJkNml3K0sKZktOYjgwT0tmS3ZmRFUrcmtwb0xYWXd2SDNoNjJHNk9C"
    "SWNxdjRZblRFK0Y4TEhKUkhVZDRsYW5DU2RQb0g4dwpmUVlKS29aSWh2Y05BUWtPTVhBd2JqQnNCZ05WSFJFRVpU"
    "QmpnaXhsWXpJdE5UUXRNUzB5TFRNdVpYVXRkMlZ6CmRDMHhMbU52YlhCMWRHVXVZVzFoZW05dVlYZHpMbU52YllJ"
    "bmFYQXRNVEF0TUMweExURXdMbVYxTFhkbGMzUXQKTVM1amIyMXdkWFJsTG1sdWRHVnlibUZzaHdRMkFRSURod1FL"
    "QUFFS01Bb0dDQ3FHU000OUJBTUNBMGtBTUVZQwpJUUNZTmppdlZ1R3ZSN3ZHR1VoS0VpWmNpMUpPQjZ1aDRCd2V1"
    "Nkk2YXcrSzZnSWhBSWVvckQ4WUh1OTF2VlVaCjVKRmx3d0N0dWxQSnFwRkZERzlMR1Q0cTU1MFAKLS0tLS1FTkQg"
    "Q0VSVElGSUNBVEUgUkVRVUVTVC0tLS0tCg==";
const char* kWorkerRequest =
    "LS0tLS1CRUdJTiBDRVJUSUZJQ0FURSBSRVFVRVNULS0tLS0KTUlJQld6Q0NBUUlDQVFBd1ZURVZNQk1HQTFVRUNn"
    "d01jM2x6ZEdWdE9tNXZaR1Z6TVR3d09nWURWUVFEREROegplWE4wWlcwNmJtOWtaVHBwY0MweE1DMHdMVEl0TWpB"
    "dVpYVXRkMlZ6ZEMweExtTnZiWEIxZEdVdWFXNTBaWEp1CllXd3dXVEFUQmdjcWhrak9QUUlCQmdncWhrak9QUU1C"
    "QndOQ0FBU2hzclBNRERTam5WSkNTRDBmTUtMMjhJZ1oKcWJxdW9WLzhDLzNqOGRmVFp5dGEwd3dTTGZkanF3Qkov"
    "enY1MEw3Z0tWeTB3QjVtOFJYSWdFWmxSc3R1b0VzdwpTUVlKS29aSWh2Y05BUWtPTVR3d09qQTRCZ05WSFJFRU1U"
    "QXZnaWRwY0MweE1DMHdMVEl0TWpBdVpYVXRkMlZ6CmRDMHhMbU52YlhCMWRHVXVhVzUwWlhKdVlXeUhCQW9BQWhR"
    "d0NnWUlLb1pJemowRUF3SURSd0F3UkFJZ096TFAKSW5wbUdlRWszcEc0ZWQxeGpuZHpSWXBoVUJDWXd1MTdCZDRt"
    "NzZFQ0lDMHNWeVpWMzZGMHMyV1FYY1U1SVV3dwpZeVd1MWR0Mnh6YytRS1dYbC9hNwotLS0tLUVORCBDRVJUSUZJ"
    "Q0FURSBSRVFVRVNULS0tLS0K";
const std::string kLeader = "ip-10-0-1-10.eu-west-1.compute.internal";
const std::string kWorker = "ip-10-0-2-20.eu-west-1.compute.internal";

json csr_object(const std::string& name, const std::string& node, const char* request) {
  return {{"metadata", {{"name", name}}},
          {"spec",
           {{"request", request},
            {"username", "system:node:" + node},
            {"signerName", "kubernetes.io/kubelet-serving"}}}};
}

// The VPC resolver: private names resolve to their private address, public names (from
// inside the VPC) to the private one too.
std::vector<std::string> resolve(const std::string& name) {
  static const std::map<std::string, std::vector<std::string>> names{
      {"ip-10-0-1-10.eu-west-1.compute.internal", {"10.0.1.10"}},
      {"ip-10-0-2-20.eu-west-1.compute.internal", {"10.0.2.20"}},
      {"ec2-54-1-2-3.eu-west-1.compute.amazonaws.com", {"10.0.1.10"}},
      {"ip-192-168-5-5.eu-west-1.compute.internal", {"192.168.5.5"}},
  };
  auto it = names.find(name);
  return it == names.end() ? std::vector<std::string>{} : it->second;
}

// The rules exactly as the rendered approver Deployment carries them.
kc::addons::ApproverRules rendered_rules() {
  auto addons = kc::addons::build_addons(kc::addons::testing::fixture_settings());
  REQUIRE(addons.ok());
  for (const auto& a : *addons) {
    for (const auto& o : a.objects) {
      if (o.display() == "Deployment kube-system/kubelet-csr-approver") {
        auto rules = kc::addons::approver_rules_from(o.manifest);
        REQUIRE(rules.ok());
        return *rules;
      }
    }
  }
  FAIL("no approver Deployment");
  return {};
}

ServingCsr parsed(const std::string& name, const std::string& node, const char* request) {
  auto csr = kc::addons::parse_serving_csr(csr_object(name, node, request));
  REQUIRE(csr.ok());
  return *csr;
}

}  // namespace

TEST_CASE("a serving CSR's names and addresses are read from its PEM request") {
  const ServingCsr leader = parsed("csr-1", kLeader, kLeaderRequest);
  CHECK(leader.common_name == "system:node:" + kLeader);
  CHECK(leader.dns_names ==
        std::vector<std::string>{"ec2-54-1-2-3.eu-west-1.compute.amazonaws.com", kLeader});
  CHECK(leader.ip_addresses == std::vector<std::string>{"54.1.2.3", "10.0.1.10"});
  CHECK(leader.condition.empty());
  auto bad = kc::addons::parse_serving_csr(csr_object("csr-x", kLeader, "bm90IGEgQ1NS"));
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.error().message().find("CertificateSigningRequest csr-x") != std::string::npos);
}

TEST_CASE("the rendered approver rules approve a private worker's CSR") {
  const auto rules = rendered_rules();
  CHECK(kc::addons::approver_verdict(rules, parsed("w", kWorker, kWorkerRequest), resolve) == "");
}

TEST_CASE("the rendered approver rules refuse the leader's public-IP CSR, which kc approves") {
  const auto rules = rendered_rules();
  const ServingCsr leader = parsed("l", kLeader, kLeaderRequest);
  CHECK(kc::addons::approver_verdict(rules, leader, resolve) ==
        "The x509 Cert Request contains more DNS names than allowed through the config flag");
  const kc::addons::LeaderIdentity identity{
      kLeader,
      {kLeader, "ec2-54-1-2-3.eu-west-1.compute.amazonaws.com"},
      {"10.0.1.10", "54.1.2.3"}};
  CHECK(kc::addons::leader_csr_refusal(identity, leader) == "");
  // Not the leader's: another node's CSR, or the leader's without its public address known.
  CHECK(kc::addons::leader_csr_refusal(identity, parsed("w", kWorker, kWorkerRequest)) ==
        "requested by system:node:" + kWorker + ", not system:node:" + kLeader);
  const kc::addons::LeaderIdentity private_only{kLeader, {kLeader}, {"10.0.1.10"}};
  CHECK(kc::addons::leader_csr_refusal(private_only, leader) ==
        "DNS name ec2-54-1-2-3.eu-west-1.compute.amazonaws.com is not one of the leader's");
}

TEST_CASE("the rendered approver rules refuse foreign names and addresses outside the VPC") {
  const auto rules = rendered_rules();
  ServingCsr csr;
  csr.username = csr.common_name = "system:node:" + kWorker;
  csr.signer = "kubernetes.io/kubelet-serving";
  csr.dns_names = {kWorker};
  csr.ip_addresses = {"10.0.2.20"};
  REQUIRE(kc::addons::approver_verdict(rules, csr, resolve) == "");

  ServingCsr foreign_name = csr;  // a name of another domain, prefixed like the node's
  foreign_name.dns_names = {kWorker + ".evil.example.com"};
  CHECK(kc::addons::approver_verdict(rules, foreign_name, resolve) ==
        "The SAN DNS name in the x509 CR is not allowed by the Cloud provider regex");
  ServingCsr other_node = csr;  // another node's name
  other_node.dns_names = {kLeader};
  CHECK(kc::addons::approver_verdict(rules, other_node, resolve) ==
        "The SAN DNS Name in the x509 CSR is not prefixed by the node name (hostname)");
  ServingCsr other_region = csr;
  other_region.username = other_region.common_name =
      "system:node:ip-10-0-2-20.us-west-2.compute.internal";
  other_region.dns_names = {"ip-10-0-2-20.us-west-2.compute.internal"};
  CHECK(kc::addons::approver_verdict(rules, other_region, resolve) ==
        "The SAN DNS name in the x509 CR is not allowed by the Cloud provider regex");
  ServingCsr outside_ip = csr;  // an address outside the VPC
  outside_ip.dns_names = {};
  outside_ip.ip_addresses = {"8.8.8.8"};
  CHECK(kc::addons::approver_verdict(rules, outside_ip, resolve).find("8.8.8.8, is not part of") !=
        std::string::npos);
  ServingCsr outside_resolved = csr;  // a name that resolves outside the VPC
  outside_resolved.username = outside_resolved.common_name =
      "system:node:ip-192-168-5-5.eu-west-1.compute.internal";
  outside_resolved.dns_names = {"ip-192-168-5-5.eu-west-1.compute.internal"};
  outside_resolved.ip_addresses = {};
  CHECK(kc::addons::approver_verdict(rules, outside_resolved, resolve).find("192.168.5.5") !=
        std::string::npos);
  ServingCsr unresolved = csr;
  unresolved.username = unresolved.common_name =
      "system:node:ip-10-0-9-9.eu-west-1.compute.internal";
  unresolved.dns_names = {"ip-10-0-9-9.eu-west-1.compute.internal"};
  CHECK(kc::addons::approver_verdict(rules, unresolved, resolve) ==
        "The SAN DNS Name could not be resolved, denying the CSR");
  ServingCsr long_lived = csr;
  long_lived.expiration_seconds = 400L * 24 * 3600;
  CHECK(kc::addons::approver_verdict(rules, long_lived, resolve).find("expirationSeconds") !=
        std::string::npos);
}

TEST_CASE("private DNS names: ec2.internal in us-east-1, REGION.compute.internal elsewhere") {
  CHECK(kc::addons::private_dns_domain("us-east-1") == "ec2.internal");
  CHECK(kc::addons::private_dns_domain("eu-west-1") == "eu-west-1.compute.internal");
  CHECK(kc::addons::address_in_prefixes("10.1.2.3", "10.0.0.0/16,10.1.0.0/16"));
  CHECK_FALSE(kc::addons::address_in_prefixes("10.2.0.1", "10.0.0.0/16,10.1.0.0/16"));
}
