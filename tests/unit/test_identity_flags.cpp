#include "common/cli/identity_flags.h"

#include <doctest/doctest.h>

TEST_CASE("identity flags: every field, --vpc-cidr repeatable and comma-separated") {
  CLI::App app;
  kc::aws::IdentityFlags flags;
  std::vector<std::string> ignore;
  kc::cli::add_identity_flags(&app, flags);
  kc::cli::add_preflight_flags(&app, ignore);
  app.parse(
      "--ignore-preflight-errors Swap,Port-6443 --metadata-endpoint http://127.0.0.1:1338 "
      "--vpc-cidr 172.16.0.0/16 --vpc-cidr 10.0.0.0/16,100.64.0.0/16 --instance-id "
      "i-0123456789abcdef0 --zone us-east-1a --region us-east-1 --node-ip 10.0.0.10 "
      "--node-name leader",
      false);
  CHECK(flags.node_name == "leader");
  CHECK(flags.node_ip == "10.0.0.10");
  CHECK(flags.region == "us-east-1");
  CHECK(flags.zone == "us-east-1a");
  CHECK(flags.instance_id == "i-0123456789abcdef0");
  CHECK(flags.vpc_cidrs ==
        std::vector<std::string>{"172.16.0.0/16", "10.0.0.0/16", "100.64.0.0/16"});
  CHECK(flags.metadata_endpoint == "http://127.0.0.1:1338");
  CHECK(ignore == std::vector<std::string>{"Swap", "Port-6443"});
  CHECK(flags.complete());
}
