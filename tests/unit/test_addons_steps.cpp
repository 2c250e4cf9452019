#include "agent/addons/addons_steps.h"

#include <doctest/doctest.h>

#include "addons_fixture.h"
#include "scratch_dir.h"

TEST_CASE("before kubeadm init the addons phase plans every add-on without asking for settings") {
  ScratchDir dir;
  kc::Host host(dir.path());
  int asked = 0;
  kc::addons::ApplyOptions options;
  options.leader = [&]() -> kc::Result<std::optional<kc::addons::LeaderIdentity>> {
    ++asked;
    return std::optional<kc::addons::LeaderIdentity>();
  };
  kc::Phase phase = kc::addons::addons_apply_phase(
      [&]() -> kc::Result<kc::addons::AddonSettings> {
        ++asked;
        return kc::addons::testing::fixture_settings();
      },
      options);
  REQUIRE(phase.steps.size() == 8);
  for (auto& step : phase.steps) {
    auto findings = step->check(kc::StepContext(host, true));
    REQUIRE(findings.ok());
    REQUIRE(findings->changes.size() == 1);
    CHECK(findings->changes[0].describe(false).find("once /etc/kubernetes/admin.conf exists") !=
          std::string::npos);
  }
  CHECK(asked == 0);  // no IMDS before there is a cluster to apply to
  CHECK(phase.steps.back()->describe() == "add-ons ready");
  CHECK(kc::addons::addons_apply_phase({},
                                       [] {
                                         kc::addons::ApplyOptions o;
                                         o.wait = false;
                                         return o;
                                       }())
            .steps.size() == 7);
}
