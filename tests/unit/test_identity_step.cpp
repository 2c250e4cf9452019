#include "common/aws/identity_step.h"

#include <doctest/doctest.h>

#include <map>

#include "scratch_dir.h"

namespace {

class MapMetadata final : public kc::aws::InstanceMetadata {
 public:
  std::map<std::string, std::string> values;
  std::optional<kc::Error> failure;
  kc::Result<std::optional<std::string>> get(const std::string& path) override {
    if (failure) return *failure;
    auto it = values.find(path);
    if (it == values.end()) return std::optional<std::string>();
    return std::optional<std::string>(it->second);
  }
  std::string describe() const override { return "IMDS at fake"; }
};

std::map<std::string, std::string> ec2_values() {
  return {{"local-hostname", "ip-10-0-0-10.ec2.internal"},
          {"local-ipv4", "10.0.0.10"},
          {"placement/region", "us-east-1"},
          {"placement/availability-zone", "us-east-1a"},
          {"instance-id", "i-0123456789abcdef0"},
          {"mac", "0e:12:34:56:78:9a"},
          {"network/interfaces/macs/0e:12:34:56:78:9a/vpc-ipv4-cidr-blocks", "10.0.0.0/16"}};
}

kc::aws::MetadataFactory serving(std::map<std::string, std::string> values,
                                 std::optional<kc::Error> failure = std::nullopt) {
  return [values, failure](const kc::aws::IdentityFlags&) {
    auto m = std::make_unique<MapMetadata>();
    m->values = values;
    m->failure = failure;
    return std::unique_ptr<kc::aws::InstanceMetadata>(std::move(m));
  };
}

}  // namespace

TEST_CASE("identity step: resolves, reports the node and shares it") {
  ScratchDir root;
  kc::Host host(root.path());
  auto out = std::make_shared<kc::aws::ResolvedIdentity>();
  kc::aws::IdentityStep step({}, out, serving(ec2_values()));
  auto findings = step.check(kc::StepContext(host));
  REQUIRE(findings.ok());
  CHECK(findings->changes.empty());
  CHECK(findings->subject ==
        "node ip-10-0-0-10.ec2.internal (i-0123456789abcdef0 in us-east-1a, 10.0.0.10, VPC "
        "10.0.0.0/16)");
  REQUIRE(out->identity.has_value());
  CHECK(out->identity->provider_id == "aws:///us-east-1a/i-0123456789abcdef0");
}

TEST_CASE("identity step off EC2: a dry run sees one change, a real run the clear error") {
  ScratchDir root;
  kc::Host host(root.path());
  auto out = std::make_shared<kc::aws::ResolvedIdentity>();
  const kc::Error no_imds{"get an IMDSv2 session token", "http://169.254.169.254/latest/api/token",
                          "Connection timed out", "not on EC2, ..."};
  kc::aws::IdentityStep step({}, out, serving({}, no_imds));
  kc::StepContext context(host);
  auto findings = step.check(context);
  REQUIRE(findings.ok());
  REQUIRE(findings->changes.size() == 1);
  CHECK(findings->changes[0].describe(false).rfind("resolve the node identity (not known now: ",
                                                   0) == 0);
  CHECK_FALSE(out->identity.has_value());
  REQUIRE(out->failure.has_value());
  auto applied = step.apply(context, findings->changes);
  REQUIRE_FALSE(applied.ok());
  CHECK(applied.error().why.find("Connection timed out") != std::string::npos);
  CHECK(applied.error().hint.find("--node-name") != std::string::npos);
}

TEST_CASE("identity step: complete flags never ask IMDS") {
  ScratchDir root;
  kc::Host host(root.path());
  auto out = std::make_shared<kc::aws::ResolvedIdentity>();
  kc::aws::IdentityFlags flags;
  flags.node_name = "leader.example";
  flags.node_ip = "192.168.1.5";
  flags.region = "eu-west-1";
  flags.zone = "eu-west-1b";
  flags.instance_id = "i-00000000000000001";
  flags.vpc_cidrs = {"192.168.0.0/16"};
  bool asked = false;
  kc::aws::IdentityStep step(flags, out, [&](const kc::aws::IdentityFlags&) {
    asked = true;
    return std::unique_ptr<kc::aws::InstanceMetadata>();
  });
  REQUIRE(step.check(kc::StepContext(host)).ok());
  CHECK_FALSE(asked);
  CHECK(out->identity->node_name == "leader.example");
}

TEST_CASE("placeholder identity says every value is unknown") {
  const auto id = kc::aws::placeholder_identity();
  CHECK(id.node_name == "<node-name>");
  CHECK(id.provider_id == "aws:///<zone>/<instance-id>");
}
