#include "agent/aws_template/workers_template.h"

#include "agent/aws_template/cfn.h"
#include "common/aws/cluster_tags.h"

namespace kc::aws_template {

using nlohmann::ordered_json;

std::vector<GroupTag> worker_group_tags(const WorkersConfig& c) {
  return {
      {std::string(aws::kOwnerTagKey), cfn::import_value(export_name(c.cluster_name, "Owner")),
       true},
      {std::string(aws::kNameTagKey), c.cluster_name + "-worker", true},
      {aws::cluster_tag_key(c.cluster_name), std::string(aws::kClusterTagOwned), true},
      {aws::autoscaler_cluster_tag_key(c.cluster_name),
       std::string(aws::kAutoscalerClusterTagValue), false},
      {std::string(aws::kAutoscalerEnabledTagKey), std::string(aws::kAutoscalerEnabledTagValue),
       false},
      {std::string(aws::kNodeTemplateEphemeralStorageTagKey), c.ephemeral_storage, false},
  };
}

namespace {

ordered_json launch_template(const WorkersConfig& c) {
  const std::string& n = c.cluster_name;
  ordered_json data{
      {"ImageId", c.image_id},
      {"InstanceType", c.instance_type},
      {"KeyName", cfn::import_value(export_name(n, "KeyName"))},
      {"IamInstanceProfile",
       ordered_json{{"Arn", cfn::import_value(export_name(n, "WorkerInstanceProfileArn"))}}},
      {"SecurityGroupIds",
       ordered_json::array({cfn::import_value(export_name(n, "SecurityGroupId"))})},
      {"BlockDeviceMappings", ordered_json::array({ordered_json{
                                  {"DeviceName", kFlatcarRootDeviceName},
                                  {"Ebs", ordered_json{{"VolumeSize", c.root_volume_gib},
                                                       {"VolumeType", "gp3"},
                                                       {"Encrypted", true},
                                                       {"DeleteOnTermination", true}}},
                              }})},
      // IMDSv2 only, and by default one hop: the user data holds the join token, and pods
      // without host networking are one hop further away.
      {"MetadataOptions", ordered_json{{"HttpEndpoint", "enabled"},
                                       {"HttpTokens", "required"},
                                       {"HttpPutResponseHopLimit", c.imds_hop_limit}}},
      {"UserData", cfn::base64(c.user_data)},
  };
  return ordered_json{
      {"Type", "AWS::EC2::LaunchTemplate"},
      {"Properties", ordered_json{{"LaunchTemplateName", n + "-worker"},
                                  {"LaunchTemplateData", std::move(data)}}},
  };
}

ordered_json auto_scaling_group(const WorkersConfig& c) {
  ordered_json tags = ordered_json::array();
  for (const GroupTag& tag : worker_group_tags(c)) {
    tags.push_back(ordered_json{
        {"Key", tag.key}, {"Value", tag.value}, {"PropagateAtLaunch", tag.propagate_at_launch}});
  }
  // No DesiredCapacity: the group starts at MinSize (0), and a later stack update does not
  // reset the size cluster-autoscaler (or an operator) set.
  return ordered_json{
      {"Type", "AWS::AutoScaling::AutoScalingGroup"},
      {"Properties",
       ordered_json{
           {"AutoScalingGroupName", c.cluster_name + "-workers"},
           {"MinSize", "0"},
           {"MaxSize", std::to_string(c.max_nodes)},
           {"LaunchTemplate",
            ordered_json{{"LaunchTemplateId", cfn::ref("WorkerLaunchTemplate")},
                         {"Version", cfn::get_att("WorkerLaunchTemplate", "LatestVersionNumber")}}},
           {"VPCZoneIdentifier", c.subnets},
           {"Tags", std::move(tags)},
       }},
  };
}

}  // namespace

ordered_json workers_template(const WorkersConfig& c) {
  ordered_json resources;
  resources["WorkerLaunchTemplate"] = launch_template(c);
  resources["WorkerGroup"] = auto_scaling_group(c);
  ordered_json outputs;
  outputs["WorkerGroupName"] = ordered_json{{"Description",
                                             "Scale by hand: aws autoscaling set-desired-capacity "
                                             "--auto-scaling-group-name NAME --desired-capacity N"},
                                            {"Value", cfn::ref("WorkerGroup")}};
  outputs["WorkerLaunchTemplateId"] = ordered_json{{"Description", "The workers' launch template"},
                                                   {"Value", cfn::ref("WorkerLaunchTemplate")}};
  return ordered_json{
      {"AWSTemplateFormatVersion", "2010-09-09"},
      {"Description", "kc workers of cluster " + c.cluster_name +
                          " (made by kc-leader aws-template workers): launch template and Auto "
                          "Scaling Group; imports the exports kc-" +
                          c.cluster_name + "-* of the cluster stack " +
                          cluster_stack_name(c.cluster_name)},
      {"Resources", std::move(resources)},
      {"Outputs", std::move(outputs)},
  };
}

}  // namespace kc::aws_template
