#include "common/aws/identity.h"

#include <doctest/doctest.h>

#include <algorithm>
#include <map>

#include "imds_fake.h"

namespace {

using kc::aws::IdentityFlags;

// An instance in us-east-1a, as the IMDS stand-in (tests/servers/imds_standin.py) answers.
struct Ec2Metadata final : FakeMetadata {
  Ec2Metadata()
      : FakeMetadata({
            {"local-hostname", "ip-10-0-0-10.ec2.internal"},
            {"local-ipv4", "10.0.0.10\n"},
            {"placement/region", "us-east-1"},
            {"placement/availability-zone", "us-east-1a"},
            {"instance-id", "i-0123456789abcdef0"},
            {"mac", "0e:12:34:56:78:9a"},
            {"network/interfaces/macs/0e:12:34:56:78:9a/vpc-ipv4-cidr-blocks",
             "10.0.0.0/16\n100.64.0.0/16"},
        }) {}
};

IdentityFlags all_flags() {
  IdentityFlags f;
  f.node_name = "node-a.example";
  f.node_ip = "192.168.1.5";
  f.region = "eu-west-1";
  f.zone = "eu-west-1b";
  f.instance_id = "i-00000000000000001";
  f.vpc_cidrs = {"192.168.0.0/16"};
  return f;
}

}  // namespace

TEST_CASE("IMDS fills every field; providerID is aws:///ZONE/INSTANCE_ID") {
  Ec2Metadata imds;
  auto id = kc::aws::resolve_identity({}, &imds);
  REQUIRE_MESSAGE(id.ok(), id.error().message());
  CHECK(id->node_name == "ip-10-0-0-10.ec2.internal");
  CHECK(id->node_ip == "10.0.0.10");  // trailing newline trimmed
  CHECK(id->region == "us-east-1");
  CHECK(id->zone == "us-east-1a");
  CHECK(id->instance_id == "i-0123456789abcdef0");
  CHECK(id->vpc_cidrs == std::vector<std::string>{"10.0.0.0/16", "100.64.0.0/16"});
  CHECK(id->provider_id == "aws:///us-east-1a/i-0123456789abcdef0");
}

TEST_CASE("flags win over IMDS, and IMDS is not asked for what the flags give") {
  Ec2Metadata imds;
  IdentityFlags flags;
  flags.node_name = "leader.example";
  flags.vpc_cidrs = {"172.31.0.0/16"};
  auto id = kc::aws::resolve_identity(flags, &imds);
  REQUIRE(id.ok());
  CHECK(id->node_name == "leader.example");
  CHECK(id->vpc_cidrs == std::vector<std::string>{"172.31.0.0/16"});
  CHECK(id->zone == "us-east-1a");
  CHECK(std::find(imds.asked.begin(), imds.asked.end(), "local-hostname") == imds.asked.end());
  CHECK(std::find(imds.asked.begin(), imds.asked.end(), "mac") == imds.asked.end());

  // Every flag given: IMDS is not asked at all (off EC2).
  Ec2Metadata unused;
  unused.failure = kc::Error{"read", "x", "must not be asked", ""};
  auto off_ec2 = kc::aws::resolve_identity(all_flags(), &unused);
  REQUIRE(off_ec2.ok());
  CHECK(unused.asked.empty());
  CHECK(off_ec2->provider_id == "aws:///eu-west-1b/i-00000000000000001");
  CHECK(all_flags().complete());
}

TEST_CASE("without IMDS, one error lists every missing flag and says what to do") {
  Ec2Metadata imds;
  imds.failure = kc::Error{"get an IMDSv2 session token", "http://169.254.169.254/latest/api/token",
                           "Connection timed out", "off EC2, pass the identity flags"};
  IdentityFlags flags;
  flags.node_name = "leader.example";
  flags.region = "us-east-1";
  auto id = kc::aws::resolve_identity(flags, &imds);
  REQUIRE_FALSE(id.ok());
  const std::string message = id.error().message();
  CHECK(message.find("--node-ip, --zone, --instance-id, --vpc-cidr") != std::string::npos);
  CHECK(message.find("--node-name") == std::string::npos);
  CHECK(message.find("Connection timed out") != std::string::npos);
  CHECK(imds.asked.size() == 1);  // the first failure ends the asking

  auto nothing = kc::aws::resolve_identity({}, nullptr);
  REQUIRE_FALSE(nothing.ok());
  CHECK(nothing.error().message().find(
            "--node-name, --node-ip, --region, --zone, --instance-id, --vpc-cidr") !=
        std::string::npos);
}

TEST_CASE("fields IMDS does not have are listed as missing") {
  Ec2Metadata imds;
  imds.values.erase("placement/region");
  imds.values.erase("network/interfaces/macs/0e:12:34:56:78:9a/vpc-ipv4-cidr-blocks");
  auto id = kc::aws::resolve_identity({}, &imds);
  REQUIRE_FALSE(id.ok());
  CHECK(id.error().message().find("no value for --region, --vpc-cidr") != std::string::npos);
  CHECK(id.error().hint == "pass --region, --vpc-cidr");
}

TEST_CASE("bad values are refused, naming the flag or the IMDS path") {
  auto check_flag = [](void (*change)(IdentityFlags&), const char* flag) {
    IdentityFlags flags = all_flags();
    change(flags);
    auto id = kc::aws::resolve_identity(flags, nullptr);
    REQUIRE_FALSE_MESSAGE(id.ok(), flag);
    CHECK_MESSAGE(id.error().message().find(flag) != std::string::npos, id.error().message());
  };
  check_flag([](IdentityFlags& f) { f.node_ip = "10.0.0"; }, "--node-ip");
  check_flag([](IdentityFlags& f) { f.instance_id = "0123"; }, "--instance-id");
  check_flag([](IdentityFlags& f) { f.vpc_cidrs = {"10.0.0.1/16"}; }, "--vpc-cidr");
  check_flag([](IdentityFlags& f) { f.node_name = "bad name"; }, "--node-name");
  check_flag([](IdentityFlags& f) { f.zone = "Zone A"; }, "--zone");

  Ec2Metadata imds;
  imds.values["local-ipv4"] = "<html>captive portal</html>";
  auto id = kc::aws::resolve_identity({}, &imds);
  REQUIRE_FALSE(id.ok());
  CHECK(id.error().message().find("IMDS at fake local-ipv4") != std::string::npos);
}

TEST_CASE("custom DHCP options domain: the node is named by its EC2 private DNS name") {
  Ec2Metadata imds;
  imds.values["local-hostname"] = "leader.corp.example.com";
  auto id = kc::aws::resolve_identity({}, &imds);
  REQUIRE_MESSAGE(id.ok(), id.error().message());
  CHECK(id->node_name == "ip-10-0-0-10.ec2.internal");
  CHECK(id->node_name_note.find("leader.corp.example.com") != std::string::npos);
  CHECK(id->node_name_note.find("custom DHCP options domain") != std::string::npos);

  imds.values["placement/region"] = "eu-west-1";
  imds.values["placement/availability-zone"] = "eu-west-1a";
  auto eu = kc::aws::resolve_identity({}, &imds);
  REQUIRE(eu.ok());
  CHECK(eu->node_name == "ip-10-0-0-10.eu-west-1.compute.internal");

  // A name given by flag is taken as it is.
  IdentityFlags flags;
  flags.node_name = "leader.corp.example.com";
  auto given = kc::aws::resolve_identity(flags, &imds);
  REQUIRE(given.ok());
  CHECK(given->node_name == "leader.corp.example.com");
  CHECK(given->node_name_note.empty());
}

TEST_CASE("EC2 private DNS names: IP- and resource-based, us-east-1 and elsewhere") {
  CHECK(kc::aws::is_ec2_private_dns_name("ip-10-0-0-10.ec2.internal"));
  CHECK(kc::aws::is_ec2_private_dns_name("ip-10-0-0-10.eu-west-1.compute.internal"));
  CHECK(kc::aws::is_ec2_private_dns_name("i-0123456789abcdef0.us-west-2.compute.internal"));
  CHECK_FALSE(kc::aws::is_ec2_private_dns_name("leader.corp.example.com"));
  CHECK_FALSE(kc::aws::is_ec2_private_dns_name("ip-10-0-0-10.corp.internal"));
  CHECK(kc::aws::ec2_private_dns_name("172.31.5.6", "ap-south-1") ==
        "ip-172-31-5-6.ap-south-1.compute.internal");
}

TEST_CASE("IMDS extras: public address and name, IPv6 addresses; absent ones stay empty") {
  Ec2Metadata imds;
  auto plain = kc::aws::resolve_identity({}, &imds);
  REQUIRE(plain.ok());
  CHECK(plain->public_ipv4.empty());
  CHECK(plain->ipv6_addresses.empty());

  imds.values["public-ipv4"] = "3.80.1.2";
  imds.values["public-hostname"] = "ec2-3-80-1-2.compute-1.amazonaws.com";
  imds.values["network/interfaces/macs/0e:12:34:56:78:9a/ipv6s"] =
      "2600:1f18:1234:5600::10\n2600:1f18:1234:5600::11";
  auto full = kc::aws::resolve_identity({}, &imds);
  REQUIRE(full.ok());
  CHECK(full->public_ipv4 == "3.80.1.2");
  CHECK(full->public_hostname == "ec2-3-80-1-2.compute-1.amazonaws.com");
  CHECK(full->ipv6_addresses ==
        std::vector<std::string>{"2600:1f18:1234:5600::10", "2600:1f18:1234:5600::11"});
}
