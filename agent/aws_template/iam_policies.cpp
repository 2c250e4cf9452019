#include "agent/aws_template/iam_policies.h"

#include "common/aws/cluster_tags.h"

namespace kc::aws_template {

using nlohmann::ordered_json;

// Source: kubernetes/cloud-provider-aws docs/prerequisites.md, "Control Plane Policy", at master
// 63ec440c3275 (2026-07-07; tag v1.36.1 has the same list without
// elasticloadbalancing:SetSecurityGroups). The document lists elasticloadbalancing:AddTags
// twice; it is here once.
const std::vector<std::string>& cloud_controller_manager_actions() {
  static const std::vector<std::string> actions = {
      "autoscaling:DescribeAutoScalingGroups",
      "autoscaling:DescribeLaunchConfigurations",
      "autoscaling:DescribeTags",
      "ec2:DescribeInstances",
      "ec2:DescribeRegions",
      "ec2:DescribeRouteTables",
      "ec2:DescribeSecurityGroups",
      "ec2:DescribeSubnets",
      "ec2:DescribeVolumes",
      "ec2:DescribeAvailabilityZones",
      "ec2:CreateSecurityGroup",
      "ec2:CreateTags",
      "ec2:CreateVolume",
      "ec2:ModifyInstanceAttribute",
      "ec2:ModifyVolume",
      "ec2:AttachVolume",
      "ec2:AuthorizeSecurityGroupIngress",
      "ec2:CreateRoute",
      "ec2:DeleteRoute",
      "ec2:DeleteSecurityGroup",
      "ec2:DeleteVolume",
      "ec2:DetachVolume",
      "ec2:RevokeSecurityGroupIngress",
      "ec2:DescribeVpcs",
      "ec2:DescribeInstanceTopology",
      "elasticloadbalancing:AddTags",
      "elasticloadbalancing:AttachLoadBalancerToSubnets",
      "elasticloadbalancing:ApplySecurityGroupsToLoadBalancer",
      "elasticloadbalancing:CreateLoadBalancer",
      "elasticloadbalancing:CreateLoadBalancerPolicy",
      "elasticloadbalancing:CreateLoadBalancerListeners",
      "elasticloadbalancing:ConfigureHealthCheck",
      "elasticloadbalancing:DeleteLoadBalancer",
      "elasticloadbalancing:DeleteLoadBalancerListeners",
      "elasticloadbalancing:DescribeLoadBalancers",
      "elasticloadbalancing:DescribeLoadBalancerAttributes",
      "elasticloadbalancing:DetachLoadBalancerFromSubnets",
      "elasticloadbalancing:DeregisterInstancesFromLoadBalancer",
      "elasticloadbalancing:ModifyLoadBalancerAttributes",
      "elasticloadbalancing:RegisterInstancesWithLoadBalancer",
      "elasticloadbalancing:SetLoadBalancerPoliciesForBackendServer",
      "elasticloadbalancing:CreateListener",
      "elasticloadbalancing:CreateTargetGroup",
      "elasticloadbalancing:DeleteListener",
      "elasticloadbalancing:DeleteTargetGroup",
      "elasticloadbalancing:DescribeListeners",
      "elasticloadbalancing:DescribeLoadBalancerPolicies",
      "elasticloadbalancing:DescribeTargetGroups",
      "elasticloadbalancing:DescribeTargetHealth",
      "elasticloadbalancing:ModifyListener",
      "elasticloadbalancing:ModifyTargetGroup",
      "elasticloadbalancing:RegisterTargets",
      "elasticloadbalancing:DeregisterTargets",
      "elasticloadbalancing:SetLoadBalancerPoliciesOfListener",
      "elasticloadbalancing:SetSecurityGroups",
      "iam:CreateServiceLinkedRole",
      "kms:DescribeKey",
  };
  return actions;
}

// Source: kubernetes/autoscaler cluster-autoscaler/cloudprovider/aws/README.md, "Full Cluster
// Autoscaler Features Policy (Recommended)", at tag cluster-autoscaler-1.36.1 (35e8a280425c;
// unchanged at master 55c37cd5eb55, 2026-08-22). The README recommends restricting the second
// block by ASG ARN or a tag condition; kc uses the tag condition.
const std::vector<std::string>& cluster_autoscaler_describe_actions() {
  static const std::vector<std::string> actions = {
      "autoscaling:DescribeAutoScalingGroups",
      "autoscaling:DescribeAutoScalingInstances",
      "autoscaling:DescribeLaunchConfigurations",
      "autoscaling:DescribeScalingActivities",
      "ec2:DescribeImages",
      "ec2:DescribeInstanceTypes",
      "ec2:DescribeLaunchTemplateVersions",
      "ec2:GetInstanceTypesFromInstanceRequirements",
      "eks:DescribeNodegroup",
  };
  return actions;
}

const std::vector<std::string>& cluster_autoscaler_scaling_actions() {
  static const std::vector<std::string> actions = {
      "autoscaling:SetDesiredCapacity",
      "autoscaling:TerminateInstanceInAutoScalingGroup",
  };
  return actions;
}

// Source: kubernetes/cloud-provider-aws docs/prerequisites.md, "Node Policy" (same commits).
const std::vector<std::string>& worker_node_actions() {
  static const std::vector<std::string> actions = {
      "ec2:DescribeInstances",
      "ec2:DescribeRegions",
  };
  return actions;
}

namespace {

ordered_json allow(const std::string& sid, const std::vector<std::string>& actions) {
  return ordered_json{{"Sid", sid}, {"Effect", "Allow"}, {"Action", actions}, {"Resource", "*"}};
}

ordered_json policy(ordered_json statements) {
  return ordered_json{{"Version", "2012-10-17"}, {"Statement", std::move(statements)}};
}

}  // namespace

ordered_json leader_policy_document(const std::string& cluster_name) {
  ordered_json scaling =
      allow("ClusterAutoscalerScaleTaggedGroups", cluster_autoscaler_scaling_actions());
  // The Auto Scaling condition keys (autoscaling:ResourceTag/KEY): only groups that carry both
  // auto-discovery tags with the values the workers template gives them.
  scaling["Condition"] =
      ordered_json{{"StringEquals",
                    ordered_json{
                        {"autoscaling:ResourceTag/" + std::string(aws::kAutoscalerEnabledTagKey),
                         std::string(aws::kAutoscalerEnabledTagValue)},
                        {"autoscaling:ResourceTag/" + aws::autoscaler_cluster_tag_key(cluster_name),
                         std::string(aws::kAutoscalerClusterTagValue)},
                    }}};
  return policy(ordered_json::array({
      allow("CloudControllerManager", cloud_controller_manager_actions()),
      allow("ClusterAutoscalerDescribe", cluster_autoscaler_describe_actions()),
      std::move(scaling),
  }));
}

ordered_json worker_policy_document() {
  return policy(ordered_json::array({allow("KubeletNode", worker_node_actions())}));
}

ordered_json ec2_assume_role_policy_document() {
  return policy(ordered_json::array({ordered_json{
      {"Effect", "Allow"},
      {"Principal", ordered_json{{"Service", ordered_json::array({"ec2.amazonaws.com"})}}},
      {"Action", ordered_json::array({"sts:AssumeRole"})},
  }}));
}

}  // namespace kc::aws_template
