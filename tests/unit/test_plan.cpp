#include "common/core/plan.h"

#include <doctest/doctest.h>

#include <cstdio>

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

}  // namespace

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
