// The "workers" CloudFormation stack, deployed from the leader after init: the workers' launch
// template (with the worker user data) and the Auto Scaling Group cluster-autoscaler discovers.
// The security group, instance profile, key pair and Owner come from the cluster stack's exports.
#pragma once

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

#include "agent/aws_template/config.h"

namespace kc::aws_template {

// One tag of the Auto Scaling Group and whether it propagates to the instances it launches.
struct GroupTag {
  std::string key;
  nlohmann::ordered_json value;  // a string, or Fn::ImportValue
  bool propagate_at_launch = false;
};

// Exactly the seed page's tags: Owner, Name and the cluster tag propagate to the instances;
// the autoscaler's discovery and node-template tags stay on the group.
std::vector<GroupTag> worker_group_tags(const WorkersConfig& config);

nlohmann::ordered_json workers_template(const WorkersConfig& config);

}  // namespace kc::aws_template
