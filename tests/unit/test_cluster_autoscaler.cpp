// Upstream facts: kubernetes/autoscaler cluster-autoscaler/cloudprovider/aws/examples/
// cluster-autoscaler-autodiscover.yaml @cluster-autoscaler-1.33.6 ... -1.36.1.
#include <doctest/doctest.h>

#include "addon_facts.h"

using namespace kc::addons::testing;
using nlohmann::json;

TEST_CASE("cluster-autoscaler: least-privilege RBAC per minor (1.36 adds resource.k8s.io)") {
  auto has_dra = [](const kc::addons::Objects& objects) {
    for (const json& r : object(objects, "ClusterRole", "cluster-autoscaler")["rules"]) {
      if (r["apiGroups"][0] == "resource.k8s.io") return true;
    }
    return false;
  };
  CHECK(has_dra(kc::addons::cluster_autoscaler_objects(fixture_settings(), versions("1.36.3"))));
  CHECK_FALSE(has_dra(
      kc::addons::cluster_autoscaler_objects(fixture_settings("1.35.7"), versions("1.35.7"))));
  const auto objects = kc::addons::cluster_autoscaler_objects(fixture_settings(), versions());
  CHECK(object(objects, "ClusterRole", "cluster-autoscaler")["rules"].size() == 14);
  CHECK(object(objects, "Role", "cluster-autoscaler")["rules"][1]["resourceNames"] ==
        json::array({"cluster-autoscaler-status", "cluster-autoscaler-priority-expander"}));
}

TEST_CASE("cluster-autoscaler: command, env, volumes and scheduling; --autoscaler-arg overrides") {
  auto s = fixture_settings();
  s.autoscaler_args = {"--expander=priority", "--scale-down-unneeded-time=5m"};
  const auto objects = kc::addons::cluster_autoscaler_objects(s, versions());
  const json& spec = pod_spec(object(objects, "Deployment", "cluster-autoscaler"));
  const json& c = spec["containers"][0];
  CHECK(c["image"] == "registry.k8s.io/autoscaling/cluster-autoscaler:v1.36.1");
  CHECK(c["command"] ==
        json::array({"./cluster-autoscaler", "--v=4", "--stderrthreshold=info",
                     "--cloud-provider=aws", "--skip-nodes-with-local-storage=false",
                     "--expander=priority", "--balance-similar-node-groups=true",
                     "--node-group-auto-discovery=asg:tag=k8s.io/cluster-autoscaler/enabled,"
                     "k8s.io/cluster-autoscaler/toil",
                     "--scale-down-unneeded-time=5m"}));
  CHECK(c["env"] == json::parse(R"([{"name":"AWS_REGION","value":"eu-west-1"}])"));
  CHECK(spec["volumes"][0]["hostPath"]["path"] == "/etc/ssl/certs/ca-certificates.crt");
  CHECK(c["volumeMounts"][0]["mountPath"] == "/etc/ssl/certs/ca-certificates.crt");
  CHECK(spec["hostNetwork"] == true);  // IMDSv2 with hop limit 1
  CHECK(spec["nodeSelector"]["node-role.kubernetes.io/control-plane"] == "");
  CHECK(spec["tolerations"] == json::parse(R"([{"key":"node-role.kubernetes.io/control-plane",
      "operator":"Exists","effect":"NoSchedule"}])"));
  CHECK(spec["securityContext"]["runAsUser"] == 65534);
  CHECK(c["resources"]["requests"] == json{{"cpu", "100m"}, {"memory", "600Mi"}});
}
