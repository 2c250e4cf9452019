#include "common/cli/plan_command.h"

#include <doctest/doctest.h>

#include "common/core/exit_codes.h"
#include "common/core/lock.h"
#include "scratch_dir.h"

namespace {

// Every line of the run, errors marked.
struct Lines final : kc::Reporter {
  std::vector<std::string> out;
  std::vector<std::string> errors;
  void line(std::string_view phase, std::string_view text) override {
    out.push_back(phase.empty() ? std::string(text)
                                : "[" + std::string(phase) + "] " + std::string(text));
  }
  void info(std::string_view, std::string_view) override {}
  void warn(std::string_view, std::string_view text) override { errors.emplace_back(text); }
  void error(std::string_view, std::string_view text) override { errors.emplace_back(text); }
};

// A step that talks to systemd (as UnitsStep does), remembering the bus it was given.
struct SystemdStep final : kc::Step {
  std::string* bus_seen;
  explicit SystemdStep(std::string* seen) : bus_seen(seen) {}
  std::string describe() const override { return "units"; }
  bool needs_systemd() const override { return true; }
  kc::Result<kc::Findings> check(const kc::StepContext& context) override {
    *bus_seen = context.system_bus;
    return kc::Findings{{}, "x.service"};
  }
  kc::Status apply(const kc::StepContext&, std::vector<kc::Change>&) override { return {}; }
};

kc::Plan file_plan() {
  kc::Plan plan;
  kc::Phase phase{"files", {}};
  phase.steps.push_back(std::make_unique<kc::FileStep>("/etc/kc/a", "a\n", 0644));
  plan.push_back(std::move(phase));
  return plan;
}

kc::cli::GlobalOptions options(const ScratchDir& dir, bool dry_run) {
  kc::cli::GlobalOptions o;
  o.root = dir.path().string();
  o.dry_run = dry_run;
  return o;
}

bool contains(const std::vector<std::string>& lines, const std::string& part) {
  for (const auto& l : lines) {
    if (l.find(part) != std::string::npos) return true;
  }
  return false;
}

}  // namespace

TEST_CASE("a dry run says so first, changes nothing and counts what it would change") {
  ScratchDir dir;
  auto plan = file_plan();
  Lines lines;
  CHECK(kc::run_plan_command("kc-test install", plan, options(dir, true), &lines) ==
        kc::exit_code::ok);
  CHECK(lines.out == std::vector<std::string>{
                         "kc-test install: dry run under root " + dir.path().string() +
                             "; nothing will be changed",
                         "[files] would write /etc/kc/a (new)",
                         "kc-test install: 1 step(s) would change the host, 0 already in place"});
  CHECK(lines.errors.empty());
  CHECK_FALSE(std::filesystem::exists(dir / "etc"));
  CHECK_FALSE(std::filesystem::exists(dir / "run"));  // no lock either
}

TEST_CASE("a real run changes the host and counts; a second one finds everything in place") {
  ScratchDir dir;
  auto plan = file_plan();
  Lines first;
  CHECK(kc::run_plan_command("kc-test install", plan, options(dir, false), &first) ==
        kc::exit_code::ok);
  CHECK(first.out == std::vector<std::string>{
                         "[files] wrote /etc/kc/a (new)",
                         "kc-test install: 1 step(s) changed the host, 0 already in place"});
  CHECK(dir.read("etc/kc/a") == "a\n");
  Lines second;
  CHECK(kc::run_plan_command("kc-test install", plan, options(dir, false), &second) ==
        kc::exit_code::ok);
  CHECK(second.out.back() == "kc-test install: 0 step(s) changed the host, 1 already in place");
}

TEST_CASE("a real run of a plan with unimplemented steps refuses before changing anything") {
  ScratchDir dir;
  auto plan = file_plan();
  kc::add_planned(plan[0], "apply flannel");
  Lines lines;
  CHECK(kc::run_plan_command("kc-test init", plan, options(dir, false), &lines) ==
        kc::exit_code::failed);
  CHECK(lines.out.empty());
  CHECK(contains(lines.errors, "kc-test init: this version of kc can only plan this command"));
  CHECK(contains(lines.errors, "  files: apply flannel"));
  CHECK_FALSE(std::filesystem::exists(dir / "etc"));
  CHECK_FALSE(std::filesystem::exists(dir / "run"));
}

TEST_CASE("another kc holding the lock: exit 3, nothing changed") {
  ScratchDir dir;
  kc::Host host(dir.path());
  auto held = kc::HostLock::try_acquire(host, nullptr);
  REQUIRE(held.ok());
  REQUIRE(held->has_value());
  auto plan = file_plan();
  Lines lines;
  CHECK(kc::run_plan_command("kc-test install", plan, options(dir, false), &lines) ==
        kc::exit_code::locked);
  REQUIRE(lines.errors.size() == 1);
  CHECK(lines.errors[0].find("holds the lock " + (dir / "run/kc.lock").string() +
                             "; nothing was changed") != std::string::npos);
  CHECK_FALSE(std::filesystem::exists(dir / "etc"));
}

TEST_CASE("under a scratch root a real run that needs systemd wants a bus: refused, else used") {
  ScratchDir dir;
  std::string seen = "unset";
  auto plan = file_plan();  // a file step first: nothing may be written before the refusal
  plan[0].steps.push_back(std::make_unique<SystemdStep>(&seen));
  Lines lines;
  CHECK(kc::run_plan_command("kc-test join", plan, options(dir, false), &lines) ==
        kc::exit_code::failed);
  REQUIRE(lines.errors.size() == 1);
  CHECK(lines.errors[0].find("--root " + dir.path().string() + " is not /") != std::string::npos);
  CHECK(lines.errors[0].find("--system-bus") != std::string::npos);
  CHECK(lines.errors[0].find("nothing was changed") != std::string::npos);
  CHECK(seen == "unset");
  CHECK_FALSE(std::filesystem::exists(dir / "etc"));
  CHECK_FALSE(std::filesystem::exists(dir / "run"));

  // A dry run needs no bus; with one given, the run goes ahead and the steps get it.
  Lines dry;
  CHECK(kc::run_plan_command("kc-test join", plan, options(dir, true), &dry) == kc::exit_code::ok);
  auto given = options(dir, false);
  given.system_bus = "unix:path=/run/container/bus";
  Lines real;
  CHECK(kc::run_plan_command("kc-test join", plan, given, &real) == kc::exit_code::ok);
  CHECK(seen == "unix:path=/run/container/bus");
  CHECK(real.errors.empty());
  CHECK(dir.read("etc/kc/a") == "a\n");
}

TEST_CASE("a failing step: one error line naming the command and the phase, exit 1") {
  ScratchDir dir;
  dir.write("etc/kc/a/inside", "a directory where the file should be");
  auto plan = file_plan();
  Lines lines;
  CHECK(kc::run_plan_command("kc-test install", plan, options(dir, false), &lines) ==
        kc::exit_code::failed);
  REQUIRE(lines.errors.size() == 1);
  CHECK(lines.errors[0].starts_with("kc-test install: files: "));
  CHECK(lines.out.empty());  // no counts after a failure
}
