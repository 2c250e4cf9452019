// The "cluster" CloudFormation stack, deployed before the leader exists: the cluster's security
// group, the leader's and the workers' IAM roles and instance profiles, and the leader instance.
// Its outputs are exported (kc-NAME-...) for the workers stack.
#pragma once

#include <nlohmann/json.hpp>

#include <string>

#include "agent/aws_template/config.h"

namespace kc::aws_template {

// The template's logical names, for the tests and the printed commands.
inline constexpr const char* kImageIdParameter = "ImageId";
inline constexpr const char* kKeyNameParameter = "KeyName";

// Flatcar's AMIs are published by this account as Flatcar-CHANNEL-VERSION-hvm.
inline constexpr const char* kFlatcarOwnerAccount = "075585003325";

// "aws ec2 describe-images ..." printing the newest Flatcar stable AMI for `arch` in the
// configured region.
std::string flatcar_ami_lookup_command(const std::string& arch);

nlohmann::ordered_json cluster_template(const ClusterConfig& config);

}  // namespace kc::aws_template
