#include "agent/aws_template/command.h"

#include <doctest/doctest.h>

#include <map>

#include "common/core/exit_codes.h"
#include "common/core/yaml.h"
#include "imds_fake.h"
#include "scratch_dir.h"

namespace {

using namespace kc::aws_template;

// The leader's instance metadata.
struct LeaderMetadata final : FakeMetadata {
  LeaderMetadata()
      : FakeMetadata({
            {"ami-id", "ami-0123456789abcdef0"},
            {"instance-type", "m7i.large"},
            {"placement/region", "eu-west-1"},
            {"mac", "0e:12:34:56:78:9a"},
            {"network/interfaces/macs/0e:12:34:56:78:9a/subnet-id", "subnet-0123456789abcdef0"},
        }) {}
};

}  // namespace

TEST_CASE("aws-template workers: the leader's facts from its instance metadata") {
  LeaderMetadata metadata;
  auto facts = leader_facts(metadata);
  REQUIRE_MESSAGE(facts.ok(), facts.error().message());
  CHECK(facts->image_id == "ami-0123456789abcdef0");
  CHECK(facts->instance_type == "m7i.large");
  CHECK(facts->subnet_id == "subnet-0123456789abcdef0");
  CHECK(facts->region == "eu-west-1");
  metadata.failure = kc::Error{"get", "IMDS", "timeout", ""};
  CHECK_FALSE(leader_facts(metadata).ok());
}

TEST_CASE("aws-template workers: user data from the leader's copy under --root, or a file") {
  ScratchDir dir;
  dir.write("root/etc/kc/user-data.ign", "ignition");
  dir.write("root/etc/kc/user-data.sh", "#!/bin/bash\n");
  dir.write("mine", "mine");
  Options o;
  std::string source;
  auto ignition = read_user_data(o, (dir / "root").string(), source);
  REQUIRE(ignition.ok());
  CHECK(*ignition == "ignition");
  CHECK(source == (dir / "root/etc/kc/user-data.ign").string());
  o.user_data_format = "shell";
  CHECK(*read_user_data(o, (dir / "root").string(), source) == "#!/bin/bash\n");
  o.user_data_file = (dir / "mine").string();
  CHECK(*read_user_data(o, (dir / "root").string(), source) == "mine");
  CHECK(source == o.user_data_file);
}

TEST_CASE("aws-template workers: no copy yet is an error naming the path and what to do") {
  ScratchDir dir;
  Options o;
  std::string source;
  auto missing = read_user_data(o, dir.path().string(), source);
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.error().where == (dir / "etc/kc/user-data.ign").string());
  CHECK(missing.error().hint.find("--user-data-file") != std::string::npos);
  o.user_data_file = (dir / "nope").string();
  CHECK_FALSE(read_user_data(o, dir.path().string(), source).ok());
}

TEST_CASE("aws-template workers: the command writes the template built from IMDS and the copy") {
  ScratchDir dir;
  dir.write("root/etc/kc/user-data.ign", "{\"ignition\":{\"version\":\"3.5.0\"}}\n");
  Options o;
  o.output = (dir / "workers.yaml").string();
  kc::cli::GlobalOptions global;
  global.root = (dir / "root").string();
  LeaderMetadata metadata;
  REQUIRE(run_workers_command(o, global, &metadata) == kc::exit_code::ok);
  auto t = kc::parse_yaml(dir.read("workers.yaml"), "workers.yaml");
  REQUIRE_MESSAGE(t.ok(), t.error().message());
  const auto& data = (*t)["Resources"]["WorkerLaunchTemplate"]["Properties"]["LaunchTemplateData"];
  CHECK(data["ImageId"] == "ami-0123456789abcdef0");
  CHECK(data["UserData"]["Fn::Base64"] == "{\"ignition\":{\"version\":\"3.5.0\"}}\n");
  CHECK((*t)["Resources"]["WorkerGroup"]["Properties"]["VPCZoneIdentifier"][0] ==
        "subnet-0123456789abcdef0");
}

TEST_CASE("aws-template workers: flags given, IMDS is not asked; a bad type is a usage error") {
  ScratchDir dir;
  dir.write("ud", "x");
  Options o;
  o.user_data_file = (dir / "ud").string();
  o.output = (dir / "workers.yaml").string();
  o.workers.image_id = "ami-01234567";
  o.workers.subnets = {"subnet-01234567"};
  kc::cli::GlobalOptions global;
  LeaderMetadata metadata;
  CHECK(run_workers_command(o, global, &metadata) == kc::exit_code::ok);
  CHECK(metadata.asked.empty());
  o.workers.instance_type = "m7z.large";
  CHECK(run_workers_command(o, global, &metadata) == kc::exit_code::usage);
}

TEST_CASE("aws-template workers: a worker type that cannot boot the leader's AMI") {
  ScratchDir dir;
  dir.write("ud", "x");
  Options o;
  o.user_data_file = (dir / "ud").string();
  o.output = (dir / "workers.yaml").string();
  o.workers.instance_type = "m7g.large";
  kc::cli::GlobalOptions global;
  LeaderMetadata metadata;
  CHECK(run_workers_command(o, global, &metadata) == kc::exit_code::usage);
  CHECK(dir.read("workers.yaml").empty());  // nothing written
}

TEST_CASE("aws-template cluster: writes the template; --dry-run writes nothing") {
  ScratchDir dir;
  Options o;
  o.cluster.ssh_cidrs = {"203.0.113.7/32"};
  o.cluster.owner = "alice";
  o.output = (dir / "cluster.yaml").string();
  kc::cli::GlobalOptions global;
  global.dry_run = true;
  CHECK(run_cluster_command(o, global) == kc::exit_code::ok);
  CHECK_FALSE(std::filesystem::exists(dir / "cluster.yaml"));
  global.dry_run = false;
  CHECK(run_cluster_command(o, global) == kc::exit_code::ok);
  auto t = kc::parse_yaml(dir.read("cluster.yaml"), "cluster.yaml");
  REQUIRE(t.ok());
  CHECK((*t)["Resources"]["Leader"]["Type"] == "AWS::EC2::Instance");
  o.cluster.ssh_cidrs.clear();
  CHECK(run_cluster_command(o, global) == kc::exit_code::usage);
}
