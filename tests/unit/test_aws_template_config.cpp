#include "agent/aws_template/config.h"

#include <doctest/doctest.h>

#include <functional>
#include <string>

namespace {

using namespace kc::aws_template;

ClusterFlags cluster_flags() {
  ClusterFlags f;
  f.ssh_cidrs = {"203.0.113.7/32"};
  f.owner = "alice";
  return f;
}

LeaderFacts leader() {
  return LeaderFacts{"ami-0123456789abcdef0", "m7i.large", "subnet-0123456789abcdef0", "us-west-2"};
}

// The flag a bad cluster value is reported under.
std::string cluster_error(const std::function<void(ClusterFlags&)>& change) {
  ClusterFlags f = cluster_flags();
  change(f);
  auto config = resolve_cluster_config(f);
  REQUIRE_FALSE(config.ok());
  return config.error().what;
}

kc::Result<WorkersConfig> workers(const std::function<void(WorkersFlags&)>& change,
                                  LeaderFacts facts = leader(),
                                  std::string user_data = "{\"ignition\":{}}") {
  WorkersFlags f;
  change(f);
  return resolve_workers_config(f, facts, std::move(user_data), "/etc/kc/user-data.ign");
}

std::string workers_error(const std::function<void(WorkersFlags&)>& change,
                          LeaderFacts facts = leader()) {
  auto config = workers(change, std::move(facts));
  REQUIRE_FALSE(config.ok());
  return config.error().what;
}

}  // namespace

TEST_CASE("cluster config: defaults, and SSH blocks split by family") {
  ClusterFlags f = cluster_flags();
  f.ssh_cidrs = {"203.0.113.7/32", "2001:db8::/64", "198.51.100.0/24"};
  auto c = resolve_cluster_config(f);
  REQUIRE_MESSAGE(c.ok(), c.error().message());
  CHECK(c->cluster_name == "kubernetes");
  CHECK(c->ssh_cidrs_ipv4 == std::vector<std::string>{"203.0.113.7/32", "198.51.100.0/24"});
  CHECK(c->ssh_cidrs_ipv6 == std::vector<std::string>{"2001:db8::/64"});
  CHECK_FALSE(c->ssh_from_anywhere);
  CHECK(c->instance_type == "m7i.large");
  CHECK(c->arch == "amd64");
  CHECK(c->root_volume_gib == 32);
}

TEST_CASE("cluster config: anywhere only when given, and then said") {
  ClusterFlags f = cluster_flags();
  f.ssh_cidrs = {"0.0.0.0/0", "::/0"};
  auto c = resolve_cluster_config(f);
  REQUIRE(c.ok());
  CHECK(c->ssh_from_anywhere);
  CHECK(cluster_error([](ClusterFlags& f) { f.ssh_cidrs.clear(); }) == "--ssh-cidr");
}

TEST_CASE("cluster config: every bad value names its flag") {
  CHECK(cluster_error([](ClusterFlags& f) { f.ssh_cidrs = {"10.0.0.1/8"}; }) == "--ssh-cidr");
  CHECK(cluster_error([](ClusterFlags& f) { f.ssh_cidrs = {"10.0.0.0"}; }) == "--ssh-cidr");
  CHECK(cluster_error([](ClusterFlags& f) { f.owner = ""; }) == "--owner");
  CHECK(cluster_error([](ClusterFlags& f) { f.owner = "a<b"; }) == "--owner");
  CHECK(cluster_error([](ClusterFlags& f) { f.instance_type = "x1y.large"; }) == "--instance-type");
  CHECK(cluster_error([](ClusterFlags& f) { f.root_volume_gib = 7; }) == "--root-volume-gib");
  CHECK(cluster_error([](ClusterFlags& f) { f.root_volume_gib = 16385; }) == "--root-volume-gib");
  CHECK(cluster_error([](ClusterFlags& f) { f.vpc_id = "vpc-1"; }) == "--vpc-id");
  CHECK(cluster_error([](ClusterFlags& f) { f.subnet_id = "sg-01234567"; }) == "--subnet");
}

TEST_CASE("cluster name: what CloudFormation stack names and IAM role names take") {
  CHECK(check_cluster_name("kubernetes").ok());
  CHECK(check_cluster_name("Toil-Prod-2").ok());
  CHECK(check_cluster_name("a").ok());
  CHECK(check_cluster_name(std::string(57, 'a')).ok());
  for (const std::string& bad :
       {std::string(58, 'a'), std::string("my_cluster"), std::string("a.b"), std::string("1abc"),
        std::string("-abc"), std::string("abc-"), std::string(""), std::string("a b")}) {
    auto status = check_cluster_name(bad);
    CHECK_MESSAGE(!status.ok(), bad);
    if (!status.ok()) CHECK(status.error().what == "--cluster-name");
  }
}

TEST_CASE("workers config: the leader's AMI, type check and subnet by default") {
  auto c = workers([](WorkersFlags&) {});
  REQUIRE_MESSAGE(c.ok(), c.error().message());
  CHECK(c->image_id == "ami-0123456789abcdef0");
  CHECK(c->subnets == std::vector<std::string>{"subnet-0123456789abcdef0"});
  CHECK(c->max_nodes == 10);
  CHECK(c->imds_hop_limit == 1);
  CHECK(c->ephemeral_storage == "26Gi");
  CHECK(c->user_data == "{\"ignition\":{}}");
}

TEST_CASE("workers config: flags win over the leader's facts") {
  auto c = workers([](WorkersFlags& f) {
    f.image_id = "ami-89abcdef";
    f.subnets = {"subnet-01234567", "subnet-89abcdef"};
    f.instance_type = "m7g.large";  // arm64: fine with another AMI
    f.ephemeral_storage = "100Gi";
    f.imds_hop_limit = 2;
  });
  REQUIRE_MESSAGE(c.ok(), c.error().message());
  CHECK(c->image_id == "ami-89abcdef");
  CHECK(c->subnets.size() == 2);
  CHECK(c->arch == "arm64");
  CHECK(c->ephemeral_storage == "100Gi");
  CHECK(c->imds_hop_limit == 2);
}

TEST_CASE("workers config: a type of another architecture than the leader's AMI") {
  auto c = workers([](WorkersFlags& f) { f.instance_type = "m7g.large"; });
  REQUIRE_FALSE(c.ok());
  CHECK(c.error().what == "--instance-type");
  CHECK(c.error().why.find("arm64") != std::string::npos);
  CHECK(c.error().why.find("amd64") != std::string::npos);
}

TEST_CASE("workers config: every bad value names its flag") {
  CHECK(workers_error([](WorkersFlags& f) { f.max_nodes = 0; }) == "--max-nodes");
  CHECK(workers_error([](WorkersFlags& f) { f.max_nodes = -3; }) == "--max-nodes");
  CHECK(workers_error([](WorkersFlags& f) { f.imds_hop_limit = 0; }) == "--worker-imds-hop-limit");
  CHECK(workers_error([](WorkersFlags& f) { f.imds_hop_limit = 65; }) == "--worker-imds-hop-limit");
  CHECK(workers_error([](WorkersFlags& f) { f.ephemeral_storage = "lots"; }) ==
        "--ephemeral-storage");
  CHECK(workers_error([](WorkersFlags& f) { f.image_id = "ami-xyz"; }) == "--image-id");
  CHECK(workers_error([](WorkersFlags& f) {
          f.subnets = {"subnet-01234567", "vpc-01234567"};
        }) == "--subnets");
  CHECK(workers_error([](WorkersFlags& f) { f.cluster_name = "a_b"; }) == "--cluster-name");
  CHECK(workers_error([](WorkersFlags& f) { f.instance_type = "huge"; }) == "--instance-type");
  CHECK(workers_error([](WorkersFlags&) {}, LeaderFacts{}) == "--image-id");
  CHECK(workers_error([](WorkersFlags& f) { f.image_id = "ami-01234567"; }, LeaderFacts{}) ==
        "--subnets");
}

TEST_CASE("workers config: user data must be there and fit EC2's 16 KB") {
  auto empty = workers([](WorkersFlags&) {}, leader(), "");
  REQUIRE_FALSE(empty.ok());
  CHECK(empty.error().where == "/etc/kc/user-data.ign");
  CHECK(workers([](WorkersFlags&) {}, leader(), std::string(16384, 'x')).ok());
  auto big = workers([](WorkersFlags&) {}, leader(), std::string(16385, 'x'));
  REQUIRE_FALSE(big.ok());
  CHECK(big.error().why.find("16385 bytes") != std::string::npos);
}

TEST_CASE("stack and export names shared by the two templates") {
  CHECK(cluster_stack_name("toil") == "toil");
  CHECK(workers_stack_name("toil") == "toil-workers");
  CHECK(export_name("toil", "SecurityGroupId") == "kc-toil-SecurityGroupId");
}
