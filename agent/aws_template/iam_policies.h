// The IAM permissions of the leader and the workers, as the projects that need them document
// them (the sources are named beside each list in iam_policies.cpp).
#pragma once

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

namespace kc::aws_template {

// The AWS cloud-controller-manager's "Control Plane Policy".
const std::vector<std::string>& cloud_controller_manager_actions();
// cluster-autoscaler's "Full Cluster Autoscaler Features Policy": what it reads (on "*")...
const std::vector<std::string>& cluster_autoscaler_describe_actions();
// ...and what changes a group, which kc scopes to the groups tagged for this cluster.
const std::vector<std::string>& cluster_autoscaler_scaling_actions();
// The cloud-controller-manager's "Node Policy" without the ECR actions (the workers get those
// from the AWS managed policy AmazonEC2ContainerRegistryReadOnly, as the seed page had).
const std::vector<std::string>& worker_node_actions();

// The managed policy the workers get for pulling from ECR, as a partition-neutral ARN (Fn::Sub).
inline constexpr const char* kEcrReadOnlyPolicyArn =
    "arn:${AWS::Partition}:iam::aws:policy/AmazonEC2ContainerRegistryReadOnly";

// Policy documents (IAM JSON, Version 2012-10-17).
nlohmann::ordered_json leader_policy_document(const std::string& cluster_name);
nlohmann::ordered_json worker_policy_document();
// Lets EC2 instances assume the role (the instance profile's role).
nlohmann::ordered_json ec2_assume_role_policy_document();

}  // namespace kc::aws_template
