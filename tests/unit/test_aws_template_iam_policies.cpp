#include "agent/aws_template/iam_policies.h"

#include <doctest/doctest.h>

#include <set>

#include "common/aws/cluster_tags.h"

namespace {

using namespace kc::aws_template;
using nlohmann::ordered_json;

std::set<std::string> actions_of(const ordered_json& document) {
  std::set<std::string> out;
  for (const auto& statement : document["Statement"]) {
    for (const auto& action : statement["Action"]) out.insert(action.get<std::string>());
  }
  return out;
}

void check_unique(const std::vector<std::string>& list) {
  CHECK(std::set<std::string>(list.begin(), list.end()).size() == list.size());
}

}  // namespace

TEST_CASE("IAM: each documented list is free of duplicates") {
  check_unique(cloud_controller_manager_actions());
  check_unique(cluster_autoscaler_describe_actions());
  check_unique(cluster_autoscaler_scaling_actions());
  check_unique(worker_node_actions());
  CHECK(cloud_controller_manager_actions().size() == 57);
  CHECK(cluster_autoscaler_describe_actions().size() == 9);
}

TEST_CASE("IAM: the leader's policy holds every action of both projects") {
  const ordered_json doc = leader_policy_document("toil");
  CHECK(doc["Version"] == "2012-10-17");
  const auto actions = actions_of(doc);
  for (const auto& a : cloud_controller_manager_actions()) CHECK_MESSAGE(actions.count(a), a);
  for (const auto& a : cluster_autoscaler_describe_actions()) CHECK_MESSAGE(actions.count(a), a);
  for (const auto& a : cluster_autoscaler_scaling_actions()) CHECK_MESSAGE(actions.count(a), a);
}

TEST_CASE("IAM: scaling only groups tagged for this cluster, with the shared tag keys") {
  const ordered_json doc = leader_policy_document("toil");
  int scaling_statements = 0;
  for (const auto& statement : doc["Statement"]) {
    const auto actions = statement["Action"].get<std::vector<std::string>>();
    bool scales = false;
    for (const auto& a : actions) {
      scales |= a == "autoscaling:SetDesiredCapacity" ||
                a == "autoscaling:TerminateInstanceInAutoScalingGroup";
    }
    if (!scales) {
      CHECK_FALSE(statement.contains("Condition"));
      continue;
    }
    ++scaling_statements;
    CHECK(actions == cluster_autoscaler_scaling_actions());
    const auto& equals = statement["Condition"]["StringEquals"];
    CHECK(equals.size() == 2);
    CHECK(equals["autoscaling:ResourceTag/" + std::string(kc::aws::kAutoscalerEnabledTagKey)] ==
          "true");
    CHECK(equals["autoscaling:ResourceTag/k8s.io/cluster-autoscaler/toil"] == "owned");
  }
  CHECK(scaling_statements == 1);
}

TEST_CASE("IAM: workers describe instances and regions; EC2 assumes both roles") {
  CHECK(actions_of(worker_policy_document()) ==
        std::set<std::string>{"ec2:DescribeInstances", "ec2:DescribeRegions"});
  const ordered_json assume = ec2_assume_role_policy_document();
  CHECK(assume["Statement"][0]["Principal"]["Service"][0] == "ec2.amazonaws.com");
  CHECK(assume["Statement"][0]["Action"][0] == "sts:AssumeRole");
  CHECK(std::string(kEcrReadOnlyPolicyArn).find("AmazonEC2ContainerRegistryReadOnly") !=
        std::string::npos);
}
