#include "agent/aws_template/workers_template.h"

#include <doctest/doctest.h>

#include <set>

#include "agent/aws_template/cluster_template.h"
#include "common/aws/cluster_tags.h"
#include "common/core/yaml.h"

namespace {

using namespace kc::aws_template;
using nlohmann::ordered_json;

WorkersConfig config(std::string user_data = "{\"ignition\":{\"version\":\"3.5.0\"}}\n") {
  WorkersFlags f;
  f.cluster_name = "toil";
  f.max_nodes = 7;
  auto c = resolve_workers_config(
      f, LeaderFacts{"ami-0123456789abcdef0", "m7i.large", "subnet-0123456789abcdef0", ""},
      std::move(user_data), "test");
  REQUIRE_MESSAGE(c.ok(), c.error().message());
  return *c;
}

// Every Fn::ImportValue name anywhere in a template.
void imports(const ordered_json& node, std::set<std::string>& out) {
  if (node.is_object()) {
    for (const auto& [key, value] : node.items()) {
      if (key == "Fn::ImportValue") out.insert(value.get<std::string>());
      imports(value, out);
    }
  } else if (node.is_array()) {
    for (const auto& item : node) imports(item, out);
  }
}

}  // namespace

TEST_CASE("workers template: the group's tags exactly as the seed page set them") {
  const ordered_json t = workers_template(config());
  const auto& tags = t["Resources"]["WorkerGroup"]["Properties"]["Tags"];
  std::vector<std::tuple<std::string, ordered_json, bool>> got;
  for (const auto& tag : tags) {
    got.emplace_back(tag["Key"], tag["Value"], tag["PropagateAtLaunch"].get<bool>());
  }
  const std::vector<std::tuple<std::string, ordered_json, bool>> want = {
      {"Owner", ordered_json{{"Fn::ImportValue", "kc-toil-Owner"}}, true},
      {"Name", "toil-worker", true},
      {"kubernetes.io/cluster/toil", "owned", true},
      {"k8s.io/cluster-autoscaler/toil", "owned", false},
      {"k8s.io/cluster-autoscaler/enabled", "true", false},
      {"k8s.io/cluster-autoscaler/node-template/resources/ephemeral-storage", "26Gi", false},
  };
  CHECK(got == want);
}

TEST_CASE("workers template: cluster-autoscaler's discovery filter names the group's tags") {
  // The add-on passes --node-group-auto-discovery=asg:tag=KEY,KEY (cluster_tags.h); every key it
  // filters on must be a tag of the group, kept on the group (discovery reads group tags).
  const std::string discovery = kc::aws::autoscaler_auto_discovery("toil");
  REQUIRE(discovery.rfind("asg:tag=", 0) == 0);
  std::set<std::string> filter;
  std::string rest = discovery.substr(8);
  for (size_t comma; (comma = rest.find(',')) != std::string::npos; rest = rest.substr(comma + 1)) {
    filter.insert(rest.substr(0, comma));
  }
  filter.insert(rest);
  CHECK(filter.size() == 2);
  std::set<std::string> group_keys;
  for (const GroupTag& tag : worker_group_tags(config())) {
    if (!tag.propagate_at_launch) group_keys.insert(tag.key);
  }
  for (const std::string& key : filter) CHECK_MESSAGE(group_keys.count(key), key);
}

TEST_CASE("workers template: launch template with IMDSv2, hop limit 1 and the user data") {
  const ordered_json t = workers_template(config());
  const auto& data = t["Resources"]["WorkerLaunchTemplate"]["Properties"]["LaunchTemplateData"];
  CHECK(data["ImageId"] == "ami-0123456789abcdef0");
  CHECK(data["InstanceType"] == "m7i.large");
  CHECK(data["MetadataOptions"]["HttpTokens"] == "required");
  CHECK(data["MetadataOptions"]["HttpPutResponseHopLimit"] == 1);
  CHECK(data["UserData"]["Fn::Base64"] == "{\"ignition\":{\"version\":\"3.5.0\"}}\n");
  CHECK(data["BlockDeviceMappings"][0]["Ebs"]["VolumeSize"] == 32);
  const auto& group = t["Resources"]["WorkerGroup"]["Properties"];
  CHECK(group["MinSize"] == "0");
  CHECK(group["MaxSize"] == "7");
  CHECK_FALSE(group.contains("DesiredCapacity"));  // starts at MinSize; updates keep the size
  CHECK(group["VPCZoneIdentifier"] == ordered_json::array({"subnet-0123456789abcdef0"}));
}

TEST_CASE("workers template: imports exactly what the cluster stack exports") {
  std::set<std::string> imported;
  imports(workers_template(config()), imported);
  CHECK(imported == std::set<std::string>{"kc-toil-Owner", "kc-toil-KeyName",
                                          "kc-toil-WorkerInstanceProfileArn",
                                          "kc-toil-SecurityGroupId"});
  ClusterFlags f;
  f.cluster_name = "toil";
  f.ssh_cidrs = {"10.0.0.0/8"};
  f.owner = "alice";
  auto cluster = resolve_cluster_config(f);
  REQUIRE(cluster.ok());
  std::set<std::string> exported;
  const ordered_json cluster_stack = cluster_template(*cluster);
  for (const auto& [name, output] : cluster_stack["Outputs"].items()) {
    exported.insert(output["Export"]["Name"].get<std::string>());
  }
  for (const std::string& name : imported) CHECK_MESSAGE(exported.count(name), name);
}

TEST_CASE("workers template: user data survives YAML byte for byte") {
  const std::string user_data =
      "#!/bin/bash\nset -euo pipefail\n# ${not_substituted} 'single' \"double\" \\ back\n"
      "  indented: yes\n\ttab\n€ unicode\nno newline at the end";
  const ordered_json t = workers_template(config(user_data));
  auto parsed = kc::parse_yaml(kc::emit_yaml_documents(std::vector<ordered_json>{t}), "t");
  REQUIRE_MESSAGE(parsed.ok(), parsed.error().message());
  CHECK((*parsed)["Resources"]["WorkerLaunchTemplate"]["Properties"]["LaunchTemplateData"]
                 ["UserData"]["Fn::Base64"] == user_data);
}
