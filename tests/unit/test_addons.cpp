#include "agent/addons/addons.h"

#include <doctest/doctest.h>

#include <fstream>
#include <sstream>

#include "addons_fixture.h"

using kc::addons::testing::fixture_settings;
using nlohmann::json;

namespace {

const json& find(const std::vector<kc::addons::Addon>& addons, const std::string& display) {
  for (const auto& a : addons) {
    for (const auto& o : a.objects) {
      if (o.display() == display) return o.manifest;
    }
  }
  FAIL("no object " << display);
  static const json none;
  return none;
}

std::string read(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace

// Regenerate with the command in tests/golden/addons/README.md after a deliberate change.
TEST_CASE("every add-on renders as its golden file, for every Kubernetes minor") {
  for (const char* version : {"1.33.8", "1.34.4", "1.35.7", "1.36.3"}) {
    auto addons = kc::addons::build_addons(fixture_settings(version));
    REQUIRE(addons.ok());
    const std::string minor = kc::addons::kubernetes_minor(version);
    int index = 1;
    for (const auto& addon : *addons) {
      char name[128];
      std::snprintf(name, sizeof name, "%02d-%s.yaml", index++, addon.name.c_str());
      const auto path = kc::addons::testing::golden_dir() / minor / name;
      INFO(path.string());
      REQUIRE(std::filesystem::exists(path));
      CHECK(kc::addons::render_addon(addon) == read(path));
    }
  }
}

TEST_CASE("the settings kc derives land where the add-ons read them") {
  auto s = fixture_settings();
  s.pod_subnet = "10.32.0.0/12";
  s.cluster_name = "blue";
  s.region = "us-east-1";
  s.vpc_cidrs = {"172.31.0.0/16", "10.9.0.0/16"};
  s.max_nodes = 400;
  auto addons = kc::addons::build_addons(s);
  REQUIRE(addons.ok());
  const json flannel = find(*addons, "ConfigMap kube-flannel/kube-flannel-cfg");
  CHECK(json::parse(flannel["data"]["net-conf.json"].get<std::string>())["Network"] ==
        "10.32.0.0/12");
  const json autoscaler = find(*addons, "Deployment kube-system/cluster-autoscaler");
  const json container = autoscaler["spec"]["template"]["spec"]["containers"][0];
  CHECK(container["command"].back() ==
        "--node-group-auto-discovery=asg:tag=k8s.io/cluster-autoscaler/enabled,"
        "k8s.io/cluster-autoscaler/blue");
  CHECK(container["env"][0] == json{{"name", "AWS_REGION"}, {"value", "us-east-1"}});
  const json approver = find(*addons, "Deployment kube-system/kubelet-csr-approver");
  const json env = approver["spec"]["template"]["spec"]["containers"][0]["env"];
  CHECK(env[0]["value"] == "^ip-([0-9]{1,3}-){3}[0-9]{1,3}\\.ec2\\.internal$");
  CHECK(env[1]["value"] == "172.31.0.0/16,10.9.0.0/16");
  const json metrics = find(*addons, "Deployment kube-system/metrics-server");
  CHECK(metrics["spec"]["template"]["spec"]["containers"][0]["resources"]["requests"] ==
        json{{"cpu", "400m"}, {"memory", "800Mi"}});
  const json ccm = find(*addons, "ConfigMap kube-system/aws-cloud-config");
  CHECK(ccm["data"]["cloud.conf"] == "[Global]\nKubernetesClusterID = blue\n");
  // kc-cleanup's RBAC goes with the add-ons, and the inventory lists every object.
  CHECK(find(*addons, "ClusterRoleBinding kc-cleanup")["subjects"][0]["name"] == "kc-cleanup");
  const std::string inventory =
      find(*addons, "ConfigMap kube-system/kc-addons")["data"]["objects"].get<std::string>();
  CHECK(inventory.find("apps Deployment kube-system/metrics-server\n") != std::string::npos);
  CHECK(inventory.find("rbac.authorization.k8s.io ClusterRole kc-cleanup\n") != std::string::npos);
}

TEST_CASE("objects are in dependency order within each add-on") {
  auto addons = kc::addons::build_addons(fixture_settings());
  REQUIRE(addons.ok());
  for (const auto& addon : *addons) {
    for (size_t i = 1; i < addon.objects.size(); ++i) {
      CHECK(addon.objects[i - 1].rank <= addon.objects[i].rank);
    }
  }
  CHECK((*addons)[0].objects.front().display() == "Namespace kube-flannel");
  CHECK((*addons)[4].objects.back().display() == "APIService v1beta1.metrics.k8s.io");
}

TEST_CASE("a Kubernetes minor without a row and bad settings are refused, naming the thing") {
  auto old = kc::addons::build_addons(fixture_settings("1.32.9"));
  REQUIRE_FALSE(old.ok());
  CHECK(old.error().message().find("no add-on versions for Kubernetes 1.32") != std::string::npos);
  auto s = fixture_settings();
  s.region = "";
  auto no_region = kc::addons::build_addons(s);
  REQUIRE_FALSE(no_region.ok());
  CHECK(no_region.error().message().find("--region") != std::string::npos);
  s = fixture_settings();
  s.vpc_cidrs = {"10.0.0.1/16"};
  auto bad_cidr = kc::addons::build_addons(s);
  REQUIRE_FALSE(bad_cidr.ok());
  CHECK(bad_cidr.error().message().find("--vpc-cidr '10.0.0.1/16'") != std::string::npos);
  s = fixture_settings();
  s.autoscaler_args = {"expander=random"};
  auto bad_arg = kc::addons::build_addons(s);
  REQUIRE_FALSE(bad_arg.ok());
  CHECK(bad_arg.error().message().find("--autoscaler-arg 'expander=random'") != std::string::npos);
  s = fixture_settings();
  s.max_nodes = 0;
  CHECK_FALSE(kc::addons::build_addons(s).ok());
  s = fixture_settings();
  s.cluster_name = "Toil_Cluster";
  CHECK_FALSE(kc::addons::build_addons(s).ok());
}
