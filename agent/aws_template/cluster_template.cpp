#include "agent/aws_template/cluster_template.h"

#include "agent/aws_template/cfn.h"
#include "agent/aws_template/iam_policies.h"
#include "common/aws/cluster_tags.h"

namespace kc::aws_template {

using nlohmann::ordered_json;

namespace {

std::string ami_architecture(const std::string& arch) {
  return arch == "arm64" ? "arm64" : "x86_64";
}

ordered_json parameters(const ClusterConfig& c) {
  return ordered_json{
      {kImageIdParameter,
       ordered_json{{"Type", "AWS::EC2::Image::Id"},
                    {"Description", "Flatcar Container Linux AMI (" + ami_architecture(c.arch) +
                                        ") for the leader, in this "
                                        "region; the newest stable one: " +
                                        flatcar_ami_lookup_command(c.arch)}}},
      {kKeyNameParameter,
       ordered_json{{"Type", "AWS::EC2::KeyPair::KeyName"},
                    {"Description",
                     "EC2 key pair for SSH to the leader and the workers as user core (RSA or "
                     "ED25519)"}}},
  };
}

std::vector<cfn::Tag> cluster_tags(const ClusterConfig& c, const std::string& name) {
  return {
      {std::string(aws::kOwnerTagKey), c.owner},
      {std::string(aws::kNameTagKey), name},
      {aws::cluster_tag_key(c.cluster_name), std::string(aws::kClusterTagOwned)},
  };
}

ordered_json security_group(const ClusterConfig& c) {
  ordered_json ingress = ordered_json::array();
  for (const std::string& cidr : c.ssh_cidrs_ipv4) {
    ingress.push_back(ordered_json{{"IpProtocol", "tcp"},
                                   {"FromPort", 22},
                                   {"ToPort", 22},
                                   {"CidrIp", cidr},
                                   {"Description", "SSH"}});
  }
  for (const std::string& cidr : c.ssh_cidrs_ipv6) {
    ingress.push_back(ordered_json{{"IpProtocol", "tcp"},
                                   {"FromPort", 22},
                                   {"ToPort", 22},
                                   {"CidrIpv6", cidr},
                                   {"Description", "SSH"}});
  }
  ordered_json properties{
      // "kc-" keeps clear of the names EC2 refuses ("default", "sg-...").
      {"GroupName", "kc-" + c.cluster_name},
      {"GroupDescription",
       "kc cluster " + c.cluster_name + ": SSH from the given blocks, all traffic between members"},
      {"SecurityGroupIngress", std::move(ingress)},
  };
  if (!c.vpc_id.empty()) properties["VpcId"] = c.vpc_id;
  properties["Tags"] = cfn::tags(cluster_tags(c, c.cluster_name));
  return ordered_json{{"Type", "AWS::EC2::SecurityGroup"}, {"Properties", std::move(properties)}};
}

// A separate resource: a group's inline rules cannot name the group itself.
ordered_json self_ingress() {
  return ordered_json{
      {"Type", "AWS::EC2::SecurityGroupIngress"},
      {"Properties",
       ordered_json{{"GroupId", cfn::get_att("SecurityGroup", "GroupId")},
                    {"IpProtocol", "-1"},
                    {"SourceSecurityGroupId", cfn::get_att("SecurityGroup", "GroupId")},
                    {"Description", "All traffic between the cluster's instances"}}}};
}

ordered_json role(const ClusterConfig& c, const std::string& which, ordered_json policy_document,
                  bool ecr_read_only) {
  ordered_json properties{
      {"RoleName", c.cluster_name + "-" + which},
      {"Description", "kc cluster " + c.cluster_name + ": the " + which + "'s instance role"},
      {"AssumeRolePolicyDocument", ec2_assume_role_policy_document()},
  };
  if (ecr_read_only) {
    properties["ManagedPolicyArns"] = ordered_json::array({cfn::sub(kEcrReadOnlyPolicyArn)});
  }
  properties["Policies"] = ordered_json::array({ordered_json{
      {"PolicyName", "kc-" + which}, {"PolicyDocument", std::move(policy_document)}}});
  properties["Tags"] = cfn::tags(cluster_tags(c, c.cluster_name + "-" + which));
  return ordered_json{{"Type", "AWS::IAM::Role"}, {"Properties", std::move(properties)}};
}

ordered_json instance_profile(const ClusterConfig& c, const std::string& which,
                              const std::string& role_resource) {
  return ordered_json{
      {"Type", "AWS::IAM::InstanceProfile"},
      {"Properties", ordered_json{{"InstanceProfileName", c.cluster_name + "-" + which},
                                  {"Roles", ordered_json::array({cfn::ref(role_resource)})}}}};
}

ordered_json root_volume(int gib) {
  return ordered_json::array({ordered_json{
      {"DeviceName", kFlatcarRootDeviceName},
      {"Ebs", ordered_json{{"VolumeSize", gib},
                           {"VolumeType", "gp3"},
                           {"Encrypted", true},
                           {"DeleteOnTermination", true}}},
  }});
}

ordered_json leader(const ClusterConfig& c) {
  ordered_json properties{
      {"ImageId", cfn::ref(kImageIdParameter)},
      {"InstanceType", c.instance_type},
      {"KeyName", cfn::ref(kKeyNameParameter)},
      {"IamInstanceProfile", cfn::ref("LeaderInstanceProfile")},
      {"SecurityGroupIds", ordered_json::array({cfn::get_att("SecurityGroup", "GroupId")})},
  };
  if (!c.subnet_id.empty()) properties["SubnetId"] = c.subnet_id;
  properties["BlockDeviceMappings"] = root_volume(c.root_volume_gib);
  // IMDSv2 only; hop limit 2 so that cluster-autoscaler's pod (no host networking) gets its
  // token response.
  properties["MetadataOptions"] = ordered_json{{"HttpEndpoint", "enabled"},
                                               {"HttpTokens", "required"},
                                               {"HttpPutResponseHopLimit", kLeaderImdsHopLimit}};
  properties["Tags"] = cfn::tags(cluster_tags(c, c.cluster_name + "-leader"));
  return ordered_json{{"Type", "AWS::EC2::Instance"}, {"Properties", std::move(properties)}};
}

ordered_json output(const std::string& description, ordered_json value,
                    const std::string& cluster_name, const std::string& name) {
  return ordered_json{
      {"Description", description},
      {"Value", std::move(value)},
      {"Export", ordered_json{{"Name", export_name(cluster_name, name)}}},
  };
}

ordered_json outputs(const ClusterConfig& c) {
  const std::string& n = c.cluster_name;
  ordered_json out;
  out["LeaderInstanceId"] =
      output("The leader instance", cfn::ref("Leader"), n, "LeaderInstanceId");
  // Default subnets give instances a public address; another subnet may not, and asking for
  // the PublicIp of an instance without one fails the stack.
  if (c.subnet_id.empty()) {
    out["LeaderPublicIp"] = output("SSH here: ssh core@ADDRESS", cfn::get_att("Leader", "PublicIp"),
                                   n, "LeaderPublicIp");
    out["LeaderPublicDnsName"] =
        output("The leader's public DNS name", cfn::get_att("Leader", "PublicDnsName"), n,
               "LeaderPublicDnsName");
  }
  out["LeaderPrivateIp"] = output("The leader's private address (the API server's)",
                                  cfn::get_att("Leader", "PrivateIp"), n, "LeaderPrivateIp");
  out["LeaderPrivateDnsName"] =
      output("The leader's node name", cfn::get_att("Leader", "PrivateDnsName"), n,
             "LeaderPrivateDnsName");
  out["SecurityGroupId"] = output("The cluster's security group",
                                  cfn::get_att("SecurityGroup", "GroupId"), n, "SecurityGroupId");
  out["WorkerInstanceProfileArn"] =
      output("The workers' instance profile", cfn::get_att("WorkerInstanceProfile", "Arn"), n,
             "WorkerInstanceProfileArn");
  out["KeyName"] =
      output("The key pair, for the workers too", cfn::ref(kKeyNameParameter), n, "KeyName");
  out["Owner"] = output("The Owner tag, for the workers too", c.owner, n, "Owner");
  return out;
}

}  // namespace

std::string flatcar_ami_lookup_command(const std::string& arch) {
  return std::string("aws ec2 describe-images --owners ") + kFlatcarOwnerAccount +
         " --filters 'Name=name,Values=Flatcar-stable-*-hvm' 'Name=architecture,Values=" +
         ami_architecture(arch) +
         "' --query 'sort_by(Images,&CreationDate)[-1].ImageId' --output text";
}

ordered_json cluster_template(const ClusterConfig& c) {
  ordered_json resources;
  resources["SecurityGroup"] = security_group(c);
  resources["SecurityGroupSelfIngress"] = self_ingress();
  resources["LeaderRole"] = role(c, "leader", leader_policy_document(c.cluster_name), false);
  resources["LeaderInstanceProfile"] = instance_profile(c, "leader", "LeaderRole");
  resources["WorkerRole"] = role(c, "worker", worker_policy_document(), true);
  resources["WorkerInstanceProfile"] = instance_profile(c, "worker", "WorkerRole");
  resources["Leader"] = leader(c);
  return ordered_json{
      {"AWSTemplateFormatVersion", "2010-09-09"},
      {"Description",
       "kc cluster " + c.cluster_name +
           " (made by kc-leader aws-template cluster): security group, IAM roles and instance "
           "profiles of the leader and the workers, and the Flatcar leader. Find the current "
           "Flatcar AMI for the ImageId parameter with: " +
           flatcar_ami_lookup_command(c.arch)},
      {"Parameters", parameters(c)},
      {"Resources", std::move(resources)},
      {"Outputs", outputs(c)},
  };
}

}  // namespace kc::aws_template
