#include "agent/aws_template/cluster_template.h"

#include <doctest/doctest.h>

#include <map>

#include "common/core/yaml.h"

namespace {

using namespace kc::aws_template;
using nlohmann::ordered_json;

ClusterConfig config() {
  ClusterFlags f;
  f.cluster_name = "toil";
  f.ssh_cidrs = {"203.0.113.7/32", "2001:db8::/64"};
  f.owner = "alice";
  auto c = resolve_cluster_config(f);
  REQUIRE_MESSAGE(c.ok(), c.error().message());
  return *c;
}

std::map<std::string, std::string> tags(const ordered_json& list) {
  std::map<std::string, std::string> out;
  for (const auto& tag : list) out[tag["Key"].get<std::string>()] = tag["Value"].get<std::string>();
  return out;
}

}  // namespace

TEST_CASE("cluster template: the seven resources and the parameters the user sets") {
  const ordered_json t = cluster_template(config());
  CHECK(t["AWSTemplateFormatVersion"] == "2010-09-09");
  std::vector<std::string> names;
  for (const auto& [name, resource] : t["Resources"].items()) names.push_back(name);
  CHECK(names == std::vector<std::string>{"SecurityGroup", "SecurityGroupSelfIngress", "LeaderRole",
                                          "LeaderInstanceProfile", "WorkerRole",
                                          "WorkerInstanceProfile", "Leader"});
  CHECK(t["Parameters"]["ImageId"]["Type"] == "AWS::EC2::Image::Id");
  CHECK(t["Parameters"]["KeyName"]["Type"] == "AWS::EC2::KeyPair::KeyName");
  CHECK(t["Description"].get<std::string>().find(flatcar_ami_lookup_command("amd64")) !=
        std::string::npos);
  CHECK(t["Description"].get<std::string>().size() <= 1024);  // CloudFormation's limit
}

TEST_CASE("cluster template: SSH from the given blocks only, all traffic within the group") {
  const ordered_json t = cluster_template(config());
  const auto& ingress = t["Resources"]["SecurityGroup"]["Properties"]["SecurityGroupIngress"];
  REQUIRE(ingress.size() == 2);
  CHECK(ingress[0]["CidrIp"] == "203.0.113.7/32");
  CHECK(ingress[1]["CidrIpv6"] == "2001:db8::/64");
  for (const auto& rule : ingress) {
    CHECK(rule["IpProtocol"] == "tcp");
    CHECK(rule["FromPort"] == 22);
    CHECK(rule["ToPort"] == 22);
  }
  const auto& self = t["Resources"]["SecurityGroupSelfIngress"]["Properties"];
  CHECK(self["IpProtocol"] == "-1");
  CHECK(self["SourceSecurityGroupId"] == self["GroupId"]);
  CHECK_FALSE(t["Resources"]["SecurityGroup"]["Properties"].contains("VpcId"));
  CHECK(t["Resources"]["SecurityGroup"]["Properties"]["GroupName"] == "kc-toil");
}

TEST_CASE("cluster template: the leader's tags, IMDSv2 with hop limit 2, root volume") {
  const ordered_json t = cluster_template(config());
  const auto& leader = t["Resources"]["Leader"]["Properties"];
  CHECK(tags(leader["Tags"]) ==
        std::map<std::string, std::string>{
            {"Owner", "alice"}, {"Name", "toil-leader"}, {"kubernetes.io/cluster/toil", "owned"}});
  CHECK(leader["MetadataOptions"]["HttpTokens"] == "required");
  CHECK(leader["MetadataOptions"]["HttpPutResponseHopLimit"] == 2);
  CHECK(leader["BlockDeviceMappings"][0]["Ebs"]["VolumeSize"] == 32);
  CHECK(leader["InstanceType"] == "m7i.large");
  CHECK(leader["ImageId"] == ordered_json{{"Ref", "ImageId"}});
  CHECK(leader["IamInstanceProfile"] == ordered_json{{"Ref", "LeaderInstanceProfile"}});
  CHECK_FALSE(leader.contains("SubnetId"));
}

TEST_CASE("cluster template: named roles and profiles; the workers' has ECR read-only") {
  const ordered_json t = cluster_template(config());
  const auto& r = t["Resources"];
  CHECK(r["LeaderRole"]["Properties"]["RoleName"] == "toil-leader");
  CHECK(r["WorkerRole"]["Properties"]["RoleName"] == "toil-worker");
  CHECK(r["LeaderInstanceProfile"]["Properties"]["InstanceProfileName"] == "toil-leader");
  CHECK(r["WorkerInstanceProfile"]["Properties"]["Roles"][0] ==
        ordered_json{{"Ref", "WorkerRole"}});
  CHECK(r["WorkerRole"]["Properties"]["ManagedPolicyArns"].size() == 1);
  CHECK_FALSE(r["LeaderRole"]["Properties"].contains("ManagedPolicyArns"));
}

TEST_CASE("cluster template: every output exported as kc-NAME-OUTPUT") {
  const ordered_json t = cluster_template(config());
  for (const auto& [name, output] : t["Outputs"].items()) {
    CHECK(output["Export"]["Name"] == export_name("toil", name));
  }
  for (const char* name : {"LeaderPublicIp", "LeaderPrivateIp", "LeaderPrivateDnsName",
                           "SecurityGroupId", "WorkerInstanceProfileArn", "KeyName", "Owner"}) {
    CHECK_MESSAGE(t["Outputs"].contains(name), name);
  }
  CHECK(t["Outputs"]["Owner"]["Value"] == "alice");
}

TEST_CASE("cluster template: --vpc-id, --subnet and an arm64 type") {
  ClusterFlags f;
  f.ssh_cidrs = {"10.0.0.0/8"};
  f.owner = "bob";
  f.vpc_id = "vpc-0123456789abcdef0";
  f.subnet_id = "subnet-0123456789abcdef0";
  f.instance_type = "m7g.large";
  auto c = resolve_cluster_config(f);
  REQUIRE(c.ok());
  const ordered_json t = cluster_template(*c);
  CHECK(t["Resources"]["SecurityGroup"]["Properties"]["VpcId"] == "vpc-0123456789abcdef0");
  CHECK(t["Resources"]["Leader"]["Properties"]["SubnetId"] == "subnet-0123456789abcdef0");
  // A subnet of the operator's may give no public address: no output may ask for one.
  CHECK_FALSE(t["Outputs"].contains("LeaderPublicIp"));
  CHECK_FALSE(t["Outputs"].contains("LeaderPublicDnsName"));
  CHECK(t["Outputs"].contains("LeaderPrivateIp"));
  CHECK(t["Parameters"]["ImageId"]["Description"].get<std::string>().find("Values=arm64") !=
        std::string::npos);
}

TEST_CASE("cluster template: the emitted YAML reads back as the same template") {
  const ordered_json t = cluster_template(config());
  auto parsed = kc::parse_yaml(kc::emit_yaml_documents(std::vector<ordered_json>{t}), "t");
  REQUIRE_MESSAGE(parsed.ok(), parsed.error().message());
  // parse_yaml reads numbers as strings; compare one of each kind.
  CHECK((*parsed)["Resources"]["Leader"]["Properties"]["MetadataOptions"]
                 ["HttpPutResponseHopLimit"] == "2");
  CHECK((*parsed)["Resources"]["SecurityGroupSelfIngress"]["Properties"]["IpProtocol"] == "-1");
  CHECK((*parsed)["Resources"]["LeaderRole"]["Properties"]["AssumeRolePolicyDocument"]["Version"] ==
        "2012-10-17");
  CHECK((*parsed)["Resources"]["Leader"]["Properties"]["BlockDeviceMappings"][0]["Ebs"]
                 ["Encrypted"] == true);
}
