#include "common/node/containerd_step.h"

#include <doctest/doctest.h>

#include "scratch_dir.h"

namespace {

// systemd as far as containerd.service goes; records the calls. `starts` says whether a start
// brings the runtime up.
struct FakeSystemd final : public kc::Systemd {
  std::vector<std::string> calls;
  std::string file_state = "disabled";
  std::string load_state = "loaded";
  std::string job_result = "done";
  bool* cri_up = nullptr;

  kc::Status reload() override { return {}; }
  kc::Result<std::string> unit_file_state(const std::string&) override { return file_state; }
  kc::Status enable(const std::vector<std::string>& units) override {
    calls.push_back("enable " + units.at(0));
    return {};
  }
  kc::Result<std::string> start(const std::string& unit) override {
    calls.push_back("start " + unit);
    if (job_result == "done") *cri_up = true;
    return job_result;
  }
  kc::Result<std::string> restart(const std::string& unit) override { return start(unit); }
  kc::Result<kc::UnitStatus> status(const std::string&) override {
    kc::UnitStatus s;
    s.load_state = load_state;
    s.active_state = job_result == "done" ? "active" : "failed";
    s.result = job_result == "done" ? "success" : "exit-code";
    return s;
  }
};

struct Fixture {
  ScratchDir root;
  kc::Host host{root.path()};
  bool cri_up = false;
  FakeSystemd* systemd = nullptr;

  kc::node::ContainerdStep step() {
    auto fake = std::make_unique<FakeSystemd>();
    fake->cri_up = &cri_up;
    systemd = fake.get();
    auto owned = std::make_shared<std::unique_ptr<FakeSystemd>>(std::move(fake));
    return kc::node::ContainerdStep(
        [owned](const std::string&) -> kc::Result<std::unique_ptr<kc::Systemd>> {
          return std::unique_ptr<kc::Systemd>(std::move(*owned));
        },
        [this](const std::string&) -> kc::Result<kc::node::CriVersion> {
          if (!cri_up) return kc::Error{"ask", "sock", "Couldn't connect to server", ""};
          return kc::node::CriVersion{"0.1.0", "containerd", "1.6.20~ds1", "v1"};
        },
        std::chrono::milliseconds(500));
  }
  kc::StepContext context() {
    kc::StepContext c(host);
    c.system_bus = "unix:path=/fake";
    return c;
  }
};

}  // namespace

TEST_CASE("containerd answering: nothing to do, and systemd is not asked") {
  Fixture f;
  f.cri_up = true;
  auto step = f.step();
  auto findings = step.check(f.context());
  REQUIRE(findings.ok());
  CHECK(findings->changes.empty());
  CHECK(findings->subject ==
        "containerd 1.6.20~ds1 (CRI v1) on unix:///run/containerd/containerd.sock");
}

TEST_CASE("containerd stopped: start it, wait for the CRI, then enable it") {
  Fixture f;
  auto step = f.step();
  auto findings = step.check(f.context());
  REQUIRE(findings.ok());
  REQUIRE(findings->changes.size() == 2);
  CHECK(findings->changes[0].describe(false) ==
        "start containerd.service (Couldn't connect to server)");
  CHECK(findings->changes[1].describe(false) == "enable containerd.service (disabled)");
  REQUIRE(step.apply(f.context(), findings->changes).ok());
  CHECK(f.systemd->calls ==
        std::vector<std::string>{"start containerd.service", "enable containerd.service"});
  CHECK(findings->changes[0].detail == "(containerd 1.6.20~ds1 (CRI v1))");
}

TEST_CASE("containerd that cannot start: an error with its state; it is not enabled") {
  Fixture f;
  auto step = f.step();
  auto findings = step.check(f.context());
  REQUIRE(findings.ok());
  f.systemd->job_result = "failed";
  auto applied = step.apply(f.context(), findings->changes);
  REQUIRE_FALSE(applied.ok());
  CHECK(applied.error().why.find("ended failed") != std::string::npos);
  CHECK(applied.error().why.find("Result=exit-code") != std::string::npos);
  CHECK(applied.error().hint.find("journalctl -b -u containerd") != std::string::npos);
  CHECK(f.systemd->calls == std::vector<std::string>{"start containerd.service"});
}

TEST_CASE("containerd.service not installed: planned in a dry run, an error when applied") {
  Fixture f;
  auto step = f.step();
  f.systemd->load_state = "not-found";
  auto findings = step.check(f.context());
  REQUIRE(findings.ok());
  REQUIRE(findings->changes.size() == 1);
  CHECK(findings->changes[0].detail.find("(not installed)") == 0);
  auto applied = step.apply(f.context(), findings->changes);
  REQUIRE_FALSE(applied.ok());
  CHECK(applied.error().why.find("not installed") != std::string::npos);
  CHECK(f.systemd->calls.empty());
}
