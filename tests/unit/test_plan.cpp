#include "common/core/plan.h"

#include <doctest/doctest.h>
#include <sys/stat.h>

#include <cstdio>

#include "common/core/sha256.h"
#include "scratch_dir.h"

namespace {

std::string run_plan(kc::Plan& plan, const kc::Host& host, bool dry_run, int* changed = nullptr) {
  char* buf = nullptr;
  size_t size = 0;
  FILE* out = open_memstream(&buf, &size);
  auto report = kc::execute(plan, kc::StepContext(host, dry_run), out);
  fclose(out);
  std::string text(buf, size);
  free(buf);
  REQUIRE(report.ok());
  if (changed) *changed = report->changed;
  return text;
}

kc::Plan file_plan(const std::string& content, mode_t mode) {
  kc::Plan plan;
  kc::Phase phase{"units", {}};
  phase.steps.push_back(
      std::make_unique<kc::FileStep>("/etc/systemd/system/x.service", content, mode));
  plan.push_back(std::move(phase));
  return plan;
}

// A step that finds what it is told to and records what the engine asks of it.
struct ScriptedStep final : kc::Step {
  std::vector<kc::Change> found;
  kc::Status check_error;
  kc::Status apply_error;
  int checks = 0;
  std::vector<std::vector<kc::Change>> applied;

  std::string describe() const override { return "scripted"; }
  kc::Result<kc::Findings> check(const kc::StepContext&) override {
    ++checks;
    if (!check_error) return kc::Error(check_error.error());
    return kc::Findings{found, "the thing"};
  }
  kc::Status apply(const kc::StepContext&, std::vector<kc::Change>& changes) override {
    applied.push_back(changes);
    if (!apply_error) return apply_error;
    changes.back().detail = "(in 1.2 s)";  // apply may complete what it learnt
    return {};
  }
};

// A plan of one phase "phase" holding `step` (owned by the caller).
struct Borrowed final : kc::Step {
  explicit Borrowed(kc::Step& s) : step(s) {}
  kc::Step& step;
  std::string describe() const override { return step.describe(); }
  kc::Result<kc::Findings> check(const kc::StepContext& c) override { return step.check(c); }
  kc::Status apply(const kc::StepContext& c, std::vector<kc::Change>& changes) override {
    return step.apply(c, changes);
  }
};

kc::Plan plan_of(kc::Step& step) {
  kc::Plan plan;
  kc::Phase phase{"phase", {}};
  phase.steps.push_back(std::make_unique<Borrowed>(step));
  plan.push_back(std::move(phase));
  return plan;
}

}  // namespace

TEST_CASE("compare_file and compare_file_sha256 find the same differences") {
  ScratchDir dir;
  const kc::Host host(dir.path());
  const std::string wanted = "wanted content\n";
  const std::string digest = kc::sha256_hex(wanted);
  const auto both = [&]() {
    auto by_content = kc::compare_file(host, "/etc/f", wanted, 0644);
    auto by_digest = kc::compare_file_sha256(host, "/etc/f", digest, 0644);
    REQUIRE(by_content.ok());
    REQUIRE(by_digest.ok());
    CHECK(by_content->has_value() == by_digest->has_value());
    std::string reason = "nothing";
    if (by_digest->has_value()) {
      CHECK((*by_content)->content == (*by_digest)->content);
      CHECK((*by_content)->reason == (*by_digest)->reason);
      reason = (*by_digest)->reason;
    }
    return reason;
  };
  CHECK(both() == "new");
  dir.write("etc/f", "other content\n");
  ::chmod((dir / "etc/f").c_str(), 0644);
  CHECK(both() == "content differs");
  dir.write("etc/f", wanted);
  CHECK(both() == "nothing");
  ::chmod((dir / "etc/f").c_str(), 0600);
  CHECK(both() == "mode 0600 differs");
}

TEST_CASE("FileStep converges: writes when missing, then reports up to date") {
  ScratchDir dir;
  kc::Host host(dir.path());
  auto plan = file_plan("[Unit]\n", 0644);
  int changed = 0;
  CHECK(run_plan(plan, host, false, &changed) ==
        "[units] wrote /etc/systemd/system/x.service (new)\n");
  CHECK(changed == 1);
  CHECK(run_plan(plan, host, false, &changed) ==
        "[units] /etc/systemd/system/x.service up to date\n");
  CHECK(changed == 0);
}

TEST_CASE("FileStep rewrites differing content and fixes a differing mode") {
  ScratchDir dir;
  kc::Host host(dir.path());
  dir.write("etc/systemd/system/x.service", "old");
  auto plan = file_plan("new", 0644);
  CHECK(run_plan(plan, host, false).find("content differs") != std::string::npos);
  CHECK(dir.read("etc/systemd/system/x.service") == "new");
  REQUIRE(host.chmod("/etc/systemd/system/x.service", 0600).ok());
  CHECK(run_plan(plan, host, false) ==
        "[units] set the mode of /etc/systemd/system/x.service to 0644 (mode 0600 differs)\n");
}

TEST_CASE("a dry run reports what it would do and changes nothing") {
  ScratchDir dir;
  kc::Host host(dir.path());
  auto plan = file_plan("new", 0644);
  CHECK(run_plan(plan, host, true) == "[units] would write /etc/systemd/system/x.service (new)\n");
  CHECK_FALSE(std::filesystem::exists(dir / "etc"));
}

TEST_CASE("a planned step runs only as a dry run and is listed as unimplemented") {
  ScratchDir dir;
  kc::Host host(dir.path());
  kc::Plan plan;
  kc::Phase phase{"addons", {}};
  phase.steps.push_back(std::make_unique<kc::PlannedStep>("apply flannel"));
  plan.push_back(std::move(phase));
  CHECK(run_plan(plan, host, true) == "[addons] would apply flannel\n");
  CHECK(kc::unimplemented_steps(plan) == std::vector<std::string>{"addons: apply flannel"});
  auto report = kc::execute(plan, kc::StepContext(host, false), stdout);
  REQUIRE_FALSE(report.ok());
  CHECK(report.error().what == "addons: run step");
}

TEST_CASE("a dry run checks and never applies; a real run applies exactly what check found") {
  ScratchDir dir;
  kc::Host host(dir.path());
  ScriptedStep step;
  step.found = {{kc::Verb::write, "/etc/kc/a", "(new)", 7}, {kc::Verb::enable, "a.service", ""}};
  auto plan = plan_of(step);
  CHECK(run_plan(plan, host, true) ==
        "[phase] would write /etc/kc/a (new); would enable a.service\n");
  CHECK(step.checks == 1);
  CHECK(step.applied.empty());

  int changed = 0;
  CHECK(run_plan(plan, host, false, &changed) ==
        "[phase] wrote /etc/kc/a (new); enabled a.service (in 1.2 s)\n");
  CHECK(changed == 1);
  REQUIRE(step.applied.size() == 1);
  REQUIRE(step.applied[0].size() == 2);
  CHECK(step.applied[0][0].item == 7);
  CHECK(step.applied[0][1].verb == kc::Verb::enable);
}

TEST_CASE("a step that finds nothing is not applied and is counted as in place") {
  ScratchDir dir;
  kc::Host host(dir.path());
  ScriptedStep step;
  auto plan = plan_of(step);
  int changed = -1;
  CHECK(run_plan(plan, host, false, &changed) == "[phase] the thing up to date\n");
  CHECK(changed == 0);
  CHECK(step.applied.empty());
}

TEST_CASE("errors of check and apply name the phase; the plan stops there") {
  ScratchDir dir;
  kc::Host host(dir.path());
  ScriptedStep failing_check;
  failing_check.check_error = kc::Error{"read", "/etc/kc/a", "Permission denied", ""};
  ScriptedStep after;
  after.found = {{kc::Verb::write, "/etc/kc/b", ""}};
  kc::Plan plan = plan_of(failing_check);
  plan[0].steps.push_back(std::make_unique<Borrowed>(after));
  auto report = kc::execute(plan, kc::StepContext(host, false), stdout);
  REQUIRE_FALSE(report.ok());
  CHECK(report.error().message() == "phase: read: /etc/kc/a: Permission denied");
  CHECK(after.checks == 0);

  ScriptedStep failing_apply;
  failing_apply.found = {{kc::Verb::start, "a.service", ""}};
  failing_apply.apply_error = kc::Error{"start", "a.service", "job failed", ""};
  auto plan2 = plan_of(failing_apply);
  auto report2 = kc::execute(plan2, kc::StepContext(host, false), stdout);
  REQUIRE_FALSE(report2.ok());
  CHECK(report2.error().what == "phase: start");
}

TEST_CASE("every Verb has words before and after (perform alone lets its object speak)") {
  for (int v = 0; v < static_cast<int>(kc::Verb::perform); ++v) {
    CAPTURE(v);
    const auto verb = static_cast<kc::Verb>(v);
    CHECK_FALSE(kc::verb_before(verb).empty());
    CHECK_FALSE(kc::verb_after(verb).empty());
    kc::Change c{verb, "x", ""};
    CHECK(c.describe(false) == std::string(kc::verb_before(verb)) + " x");
    CHECK(c.describe(true) == std::string(kc::verb_after(verb)) + " x");
  }
  // set_mode reads the same both ways; its detail carries the mode.
  CHECK(kc::verb_after(kc::Verb::set_mode) == "set the mode of");
  CHECK(kc::verb_after(kc::Verb::write) == "wrote");
  CHECK(kc::verb_after(kc::Verb::run) == "ran");
  CHECK(kc::Change{kc::Verb::perform, "check that x", ""}.describe(true) == "check that x");
}

TEST_CASE("the StreamReporter prefixes a phase, and prints a line of the run as it is") {
  char* buf = nullptr;
  size_t size = 0;
  FILE* out = open_memstream(&buf, &size);
  kc::StreamReporter reporter(out);
  reporter.line("units", "kubelet.service up to date");
  reporter.line("", "kc-worker install: 0 step(s) changed the host, 1 already in place");
  fclose(out);
  std::string text(buf, size);
  free(buf);
  CHECK(text ==
        "[units] kubelet.service up to date\n"
        "kc-worker install: 0 step(s) changed the host, 1 already in place\n");
}

TEST_CASE("steps need no systemd unless they say so") {
  CHECK_FALSE(kc::FileStep("/etc/kc/x", "", 0644).needs_systemd());
  CHECK_FALSE(kc::PlannedStep("apply flannel").needs_systemd());
}
