// Upstream facts: kubernetes-sigs/metrics-server manifests/base/ @v0.9.0 and README "Scaling".
#include <doctest/doctest.h>

#include "addon_facts.h"

using namespace kc::addons::testing;
using nlohmann::json;

TEST_CASE("metrics-server: resources from --max-nodes by its scaling guidance") {
  CHECK(kc::addons::metrics_server_resources(1).cpu_millis == 100);
  CHECK(kc::addons::metrics_server_resources(100).memory_mebibytes == 200);
  CHECK(kc::addons::metrics_server_resources(101).cpu_millis == 101);
  CHECK(kc::addons::metrics_server_resources(101).memory_mebibytes == 202);
  CHECK(kc::addons::metrics_server_resources(1000).cpu_millis == 1000);
  CHECK(kc::addons::metrics_server_resources(1000).memory_mebibytes == 2000);
}

TEST_CASE("metrics-server: args without insecure TLS, RBAC and APIService as upstream") {
  auto s = fixture_settings();
  s.max_nodes = 250;
  const auto objects = kc::addons::metrics_server_objects(s, versions());
  const json& spec = pod_spec(object(objects, "Deployment", "metrics-server"));
  const json& c = spec["containers"][0];
  CHECK(c["args"] ==
        json::array({"--cert-dir=/tmp", "--secure-port=10250",
                     "--kubelet-preferred-address-types=InternalIP,ExternalIP,Hostname",
                     "--kubelet-use-node-status-port", "--metric-resolution=15s"}));
  CHECK(c["resources"] == json::parse(R"({"requests":{"cpu":"250m","memory":"500Mi"},
      "limits":{"cpu":"500m","memory":"1000Mi"}})"));
  CHECK(spec["nodeSelector"]["node-role.kubernetes.io/control-plane"] == "");
  CHECK(spec["priorityClassName"] == "system-cluster-critical");
  CHECK(object(objects, "ClusterRole", "system:metrics-server")["rules"] ==
        json::parse(R"([{"apiGroups":[""],"resources":["nodes/metrics"],"verbs":["get"]},
          {"apiGroups":[""],"resources":["pods","nodes"],"verbs":["get","list","watch"]}])"));
  const json& api = object(objects, "APIService", "v1beta1.metrics.k8s.io")["spec"];
  CHECK(api["service"] == json{{"name", "metrics-server"}, {"namespace", "kube-system"}});
  CHECK(object(objects, "Service", "metrics-server")["spec"]["selector"] ==
        json{{"k8s-app", "metrics-server"}});
  CHECK(versions("1.33.8").metrics_server.tag == "v0.8.1");
}
