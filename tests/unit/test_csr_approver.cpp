// Upstream facts: postfinance/kubelet-csr-approver deploy/k8s/ and charts/ @v1.2.14.
#include <doctest/doctest.h>

#include "addon_facts.h"

using namespace kc::addons::testing;
using nlohmann::json;

TEST_CASE("kubelet-csr-approver: RBAC as upstream, pinned image, rules from region and VPC") {
  const auto objects = kc::addons::csr_approver_objects(fixture_settings(), versions());
  const json& rules = object(objects, "ClusterRole", "kubelet-csr-approver")["rules"];
  REQUIRE(rules.size() == 5);
  CHECK(rules[3] == json::parse(R"({"apiGroups":["certificates.k8s.io"],"resources":["signers"],
      "resourceNames":["kubernetes.io/kubelet-serving"],"verbs":["approve"]})"));
  const json& spec = pod_spec(object(objects, "Deployment", "kubelet-csr-approver"));
  const json& c = spec["containers"][0];
  CHECK(c["image"] == "ghcr.io/postfinance/kubelet-csr-approver:v1.2.14");
  CHECK(c["args"] == json::array({"-metrics-bind-address", ":8080", "-health-probe-bind-address",
                                  ":8081", "-leader-election"}));
  CHECK(c["env"] == json::parse(R"([
      {"name":"PROVIDER_REGEX","value":"^ip-([0-9]{1,3}-){3}[0-9]{1,3}\\.eu-west-1\\.compute\\.internal$"},
      {"name":"PROVIDER_IP_PREFIXES","value":"10.0.0.0/16"},
      {"name":"MAX_EXPIRATION_SEC","value":"31622400"},
      {"name":"ALLOWED_DNS_NAMES","value":"1"},
      {"name":"SKIP_DENY_STEP","value":"true"}])"));
  CHECK(c["securityContext"]["runAsUser"] == 65532);
  CHECK(spec["nodeSelector"]["node-role.kubernetes.io/control-plane"] == "");
}
