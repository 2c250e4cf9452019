// Upstream facts: kubernetes/cloud-provider-aws examples/existing-cluster/base/ @v1.36.1.
#include <doctest/doctest.h>

#include "addon_facts.h"

using namespace kc::addons::testing;
using nlohmann::json;

TEST_CASE("cloud-controller-manager: RBAC, args and scheduling as upstream, image per minor") {
  for (const char* version : {"1.33.8", "1.36.3"}) {
    const auto v = versions(version);
    const auto objects = kc::addons::cloud_controller_manager_objects(fixture_settings(), v);
    const json& rules = object(objects, "ClusterRole", "system:cloud-controller-manager")["rules"];
    REQUIRE(rules.size() == 10);
    CHECK(rules[1] == json::parse(R"({"apiGroups":[""],"resources":["nodes"],"verbs":["*"]})"));
    CHECK(rules[9] ==
          json::parse(
              R"({"apiGroups":[""],"resources":["serviceaccounts/token"],"verbs":["create"]})"));
    CHECK(object(objects, "RoleBinding",
                 "cloud-controller-manager:apiserver-authentication-reader")["roleRef"]["name"] ==
          "extension-apiserver-authentication-reader");
    const json& spec = pod_spec(object(objects, "DaemonSet", "aws-cloud-controller-manager"));
    CHECK(spec["hostNetwork"] == true);
    CHECK(spec["nodeSelector"] == json{{"node-role.kubernetes.io/control-plane", ""}});
    CHECK(spec["tolerations"][0]["key"] == "node.cloudprovider.kubernetes.io/uninitialized");
    CHECK(spec["tolerations"][1]["operator"] == "Exists");
    const json& c = spec["containers"][0];
    CHECK(c["image"] == v.cloud_controller_manager.reference());
    CHECK(c["args"] ==
          json::array({"--v=2", "--cloud-provider=aws", "--use-service-account-credentials=true",
                       "--configure-cloud-routes=false", "--cluster-name=toil",
                       "--cloud-config=/etc/kubernetes/cloud-config/cloud.conf"}));
    CHECK(c["resources"]["requests"]["cpu"] == "200m");
  }
}
