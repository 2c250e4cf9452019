#include "common/systemd/units_step.h"

#include <doctest/doctest.h>

#include <chrono>
#include <cstdio>
#include <limits>
#include <map>
#include <stdexcept>

#include "common/systemd/units.h"
#include "scratch_dir.h"

namespace {

// systemd as the step sees it, in memory: the state it reports and every call made to it.
struct FakeState {
  std::map<std::string, std::string> file_state;  // absent: "disabled"
  std::map<std::string, kc::UnitStatus> status;   // absent: not loaded, inactive
  std::string job_result = "done";
  std::string failed_state;  // ActiveState after a job, when set
  std::vector<std::string> calls;
  std::vector<std::string> addresses;  // what the step connected to
};

class FakeSystemd final : public kc::Systemd {
 public:
  explicit FakeSystemd(FakeState& s) : s_(s) {}
  kc::Status reload() override {
    s_.calls.push_back("reload");
    return {};
  }
  kc::Result<std::string> unit_file_state(const std::string& unit) override {
    auto it = s_.file_state.find(unit);
    return it == s_.file_state.end() ? std::string("disabled") : it->second;
  }
  kc::Status enable(const std::vector<std::string>& units) override {
    std::string call = "enable";
    for (const auto& u : units) call += " " + u;
    s_.calls.push_back(call);
    return {};
  }
  kc::Result<std::string> start(const std::string& unit) override { return job("start", unit); }
  kc::Result<std::string> restart(const std::string& unit) override { return job("restart", unit); }
  kc::Result<kc::UnitStatus> status(const std::string& unit) override {
    auto it = s_.status.find(unit);
    if (it != s_.status.end()) return it->second;
    kc::UnitStatus s;
    s.load_state = "not-found";
    s.active_state = "inactive";
    s.sub_state = "dead";
    return s;
  }

 private:
  kc::Result<std::string> job(const std::string& verb, const std::string& unit) {
    s_.calls.push_back(verb + " " + unit);
    kc::UnitStatus& st = s_.status[unit];
    st.active_state = s_.failed_state.empty() ? "active" : s_.failed_state;
    st.sub_state = s_.failed_state.empty() ? "running" : s_.failed_state;
    if (!s_.failed_state.empty()) st.result = "exit-code";
    return s_.job_result;
  }
  FakeState& s_;
};

kc::UnitsStep::Connect fake(FakeState& state) {
  return [&state](const std::string& address) -> kc::Result<std::unique_ptr<kc::Systemd>> {
    state.addresses.push_back(address);
    return std::unique_ptr<kc::Systemd>(std::make_unique<FakeSystemd>(state));
  };
}

kc::UnitsStep::Connect unreachable(int* calls = nullptr) {
  return [calls](const std::string& address) -> kc::Result<std::unique_ptr<kc::Systemd>> {
    if (calls) ++*calls;
    return kc::Error{"connect to the system bus", address, "No such file or directory", ""};
  };
}

// Lines the engine prints, and notes and warnings, in order.
struct Lines final : kc::Reporter {
  std::vector<std::string> out;
  void line(std::string_view phase, std::string_view text) override {
    out.push_back("[" + std::string(phase) + "] " + std::string(text));
  }
  void info(std::string_view, std::string_view) override {}
  void warn(std::string_view, std::string_view) override {}
};

struct Run {
  kc::Result<kc::PlanReport> report;
  std::vector<std::string> lines;
};

// Runs one UnitsStep in phase "units" through the engine.
Run converge(const kc::Host& host, bool dry_run, std::vector<kc::UnitSpec> units,
             kc::UnitsStep::Connect connect, const std::string& bus = "unix:path=/test/bus") {
  kc::Plan plan;
  kc::Phase phase{"units", {}};
  phase.steps.push_back(std::make_unique<kc::UnitsStep>(std::move(units), std::move(connect)));
  plan.push_back(std::move(phase));
  Lines lines;
  kc::StepContext context(host, dry_run);
  context.reporter = &lines;
  context.system_bus = bus;
  auto report = kc::execute(plan, context);
  return {std::move(report), lines.out};
}

kc::UnitSpec kubelet() {
  return kc::embedded_unit_spec("kubelet.service", true);
}

void install_files(const ScratchDir& dir, const kc::UnitSpec& spec) {
  for (const kc::UnitFile& f : spec.files) dir.write("etc/systemd/system/" + f.name, f.content);
  for (const kc::UnitFile& f : spec.files)
    std::filesystem::permissions(dir / ("etc/systemd/system/" + f.name),
                                 std::filesystem::perms(0644));
}

// A unit systemd runs since `started_us`, enabled.
void running(FakeState& s, const std::string& unit, std::uint64_t started_us) {
  s.file_state[unit] = "enabled";
  kc::UnitStatus& st = s.status[unit];
  st.load_state = "loaded";
  st.active_state = "active";
  st.sub_state = "running";
  st.exec_main_start_us = started_us;
}

}  // namespace

TEST_CASE("exec_start_binary follows ExecStart= resets across the unit and its drop-ins") {
  CHECK(kc::exec_start_binary(kubelet().files) == "/opt/bin/kubelet");
  CHECK(kc::exec_start_binary({{"a.service", "[Service]\nExecStart=-/bin/true --x\n"}}) ==
        "/bin/true");
  CHECK(kc::exec_start_binary({{"a.service", "[Service]\n  ExecStart=@/bin/a a0 \n"}}) == "/bin/a");
  CHECK(kc::exec_start_binary({{"a.service", "ExecStart=/bin/a\n"},
                               {"a.service.d/x.conf", "ExecStart=\n"}}) == std::nullopt);
  CHECK(kc::exec_start_binary({{"a.service", "# ExecStart=/bin/a\n[Service]\nType=oneshot\n"}}) ==
        std::nullopt);
}

TEST_CASE("restart_reason names the first file modified after the service started") {
  CHECK(kc::restart_reason(1000, {{"/etc/u", 900}, {"/opt/bin/k", 999}}) == "");
  CHECK(kc::restart_reason(1000, {{"/etc/u", 900}, {"/opt/bin/k", 1001}}) == "/opt/bin/k changed");
  CHECK(kc::restart_reason(0, {{"/etc/u", 900}}) == "");  // never started: nothing to restart
}

TEST_CASE("embedded_unit_spec takes the unit file first, then its drop-ins") {
  kc::UnitSpec spec = kubelet();
  REQUIRE(spec.files.size() == 2);
  CHECK(spec.files[0].name == "kubelet.service");
  CHECK(spec.files[1].name == "kubelet.service.d/10-kubeadm.conf");
  CHECK(kc::embedded_unit_spec("kc-worker.service", false).files.size() == 1);
}

TEST_CASE(
    "embedded_unit_spec of a unit that is not embedded is a program error, not an empty unit") {
  CHECK_THROWS_WITH_AS(kc::embedded_unit_spec("kubelet.servic", true),
                       "embedded_unit_spec: no unit kubelet.servic in units/", std::logic_error);
  // A drop-in alone is no unit either.
  CHECK_THROWS_AS(kc::embedded_unit_spec("kubelet.service.d", true), std::logic_error);
}

TEST_CASE("without systemd a dry run reports from the files alone and changes nothing") {
  ScratchDir dir;
  kc::Host host(dir.path());
  dir.write("etc/systemd/system/kubelet.service",
            std::string(*kc::embedded_unit("kubelet.service")));
  auto run = converge(host, true, {kubelet()}, unreachable());
  REQUIRE(run.report.ok());
  CHECK(run.report->changed == 1);
  CHECK(run.lines ==
        std::vector<std::string>{
            "[units] would write /etc/systemd/system/kubelet.service.d/10-kubeadm.conf "
            "(new); would reload systemd; would enable kubelet.service and start "
            "kubelet.service unless running (systemd not asked: No such file or "
            "directory)"});
  CHECK_FALSE(std::filesystem::exists(dir / "etc/systemd/system/kubelet.service.d"));
}

TEST_CASE("without systemd a real run fails before writing anything") {
  ScratchDir dir;
  kc::Host host(dir.path());
  auto run = converge(host, false, {kubelet()}, unreachable());
  REQUIRE_FALSE(run.report.ok());
  CHECK(run.report.error().what == "units: connect to the system bus");
  CHECK(run.report.error().where == "unix:path=/test/bus");
  CHECK(run.lines.empty());
  CHECK_FALSE(std::filesystem::exists(dir / "etc/systemd/system/kubelet.service"));
}

TEST_CASE("under a scratch root with no bus given, a real run refuses before anything is written") {
  ScratchDir dir;
  kc::Host host(dir.path());
  int connects = 0;
  auto run = converge(host, false, {kubelet()}, unreachable(&connects), "");
  REQUIRE_FALSE(run.report.ok());
  CHECK(connects == 0);  // the live host's systemd is never asked
  const std::string message = run.report.error().message();
  CHECK(message.find("--root " + dir.path().string() + " is not /") != std::string::npos);
  CHECK(message.find("--system-bus") != std::string::npos);
  CHECK_FALSE(std::filesystem::exists(dir / "etc"));

  // A dry run there says what it would do from the files alone.
  auto dry = converge(host, true, {kubelet()}, unreachable(&connects), "");
  REQUIRE(dry.report.ok());
  CHECK(connects == 0);
  REQUIRE(dry.lines.size() == 1);
  CHECK(dry.lines[0].find("(systemd not asked: --root " + dir.path().string() +
                          " is not / and no --system-bus was given)") != std::string::npos);
}

TEST_CASE("the step connects to the bus given in the context") {
  ScratchDir dir;
  kc::Host host(dir.path());
  FakeState sd;
  REQUIRE(converge(host, true, {kubelet()}, fake(sd), "unix:path=/run/container/bus").report.ok());
  CHECK(sd.addresses == std::vector<std::string>{"unix:path=/run/container/bus"});
}

TEST_CASE("a fresh install: writes, enables, reloads, starts, in that order, on a real run only") {
  ScratchDir dir;
  kc::Host host(dir.path());
  FakeState sd;
  const std::vector<kc::UnitSpec> units{kubelet(),
                                        kc::embedded_unit_spec("kc-worker.service", false)};

  auto dry = converge(host, true, units, fake(sd));
  REQUIRE(dry.report.ok());
  CHECK(dry.lines ==
        std::vector<std::string>{
            "[units] would write /etc/systemd/system/kubelet.service (new); would write "
            "/etc/systemd/system/kubelet.service.d/10-kubeadm.conf (new); would write "
            "/etc/systemd/system/kc-worker.service (new); would enable kubelet.service, "
            "kc-worker.service; would reload systemd; would start kubelet.service"});
  CHECK(sd.calls.empty());  // check() only observes
  CHECK_FALSE(std::filesystem::exists(dir / "etc"));

  auto real = converge(host, false, units, fake(sd));
  REQUIRE(real.report.ok());
  CHECK(real.report->changes == 6);
  CHECK(real.lines == std::vector<std::string>{
                          "[units] wrote /etc/systemd/system/kubelet.service (new); wrote "
                          "/etc/systemd/system/kubelet.service.d/10-kubeadm.conf (new); wrote "
                          "/etc/systemd/system/kc-worker.service (new); enabled kubelet.service, "
                          "kc-worker.service; reloaded systemd; started kubelet.service"});
  CHECK(sd.calls == std::vector<std::string>{"enable kubelet.service kc-worker.service", "reload",
                                             "start kubelet.service"});
  CHECK(dir.read("etc/systemd/system/kc-worker.service") ==
        *kc::embedded_unit("kc-worker.service"));
}

TEST_CASE("everything in place: up to date, and systemd is asked nothing that changes it") {
  ScratchDir dir;
  kc::Host host(dir.path());
  install_files(dir, kubelet());
  FakeState sd;
  // Started after every file was written.
  running(sd, "kubelet.service",
          static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::microseconds>(
                                         std::chrono::system_clock::now().time_since_epoch())
                                         .count()) +
              3600'000'000ULL);
  sd.status["kubelet.service"].fragment_path = "/etc/systemd/system/kubelet.service";
  auto run = converge(host, false, {kubelet()}, fake(sd));
  REQUIRE(run.report.ok());
  CHECK(run.report->unchanged == 1);
  CHECK(run.lines == std::vector<std::string>{"[units] kubelet.service up to date"});
  CHECK(sd.calls.empty());
}

TEST_CASE("a running service whose binary changed after it started is restarted, and only it") {
  ScratchDir dir;
  kc::Host host(dir.path());
  install_files(dir, kubelet());
  dir.write("opt/bin/kubelet", "#!/bin/sh\n");
  FakeState sd;
  running(sd, "kubelet.service", 1);  // long before /opt/bin/kubelet was written
  auto run = converge(host, false, {kubelet()}, fake(sd));
  REQUIRE(run.report.ok());
  CHECK(run.lines ==
        std::vector<std::string>{"[units] restarted kubelet.service (/opt/bin/kubelet changed)"});
  CHECK(sd.calls == std::vector<std::string>{"restart kubelet.service"});
}

TEST_CASE("a unit systemd has not re-read is reloaded; a mode alone is only chmod-ed") {
  ScratchDir dir;
  kc::Host host(dir.path());
  install_files(dir, kubelet());
  std::filesystem::permissions(dir / "etc/systemd/system/kubelet.service",
                               std::filesystem::perms(0600));
  FakeState sd;
  running(sd, "kubelet.service", std::numeric_limits<std::uint64_t>::max() / 2);
  sd.status["kubelet.service"].need_daemon_reload = true;
  auto run = converge(host, false, {kubelet()}, fake(sd));
  REQUIRE(run.report.ok());
  CHECK(run.lines ==
        std::vector<std::string>{
            "[units] set the mode of /etc/systemd/system/kubelet.service to 0644 (mode "
            "0600 differs); reloaded systemd"});
  CHECK(sd.calls == std::vector<std::string>{"reload"});
  CHECK((std::filesystem::status(dir / "etc/systemd/system/kubelet.service").permissions() &
         std::filesystem::perms::all) == std::filesystem::perms(0644));
}

TEST_CASE("a unit that fails to start: the error names the phase, the unit and where to look") {
  ScratchDir dir;
  kc::Host host(dir.path());
  FakeState sd;
  sd.job_result = "failed";
  sd.failed_state = "failed";
  auto run = converge(host, false, {kubelet()}, fake(sd));
  REQUIRE_FALSE(run.report.ok());
  CHECK(run.report.error().message() ==
        "units: start: kubelet.service: job failed, ActiveState=failed SubState=failed "
        "Result=exit-code (see why: journalctl -b -u kubelet.service)");
}

TEST_CASE("describe names the units and what is ensured; the step needs systemd") {
  kc::UnitsStep step({kubelet(), kc::embedded_unit_spec("kc-worker.service", false)},
                     unreachable());
  CHECK(step.describe() ==
        "systemd units kubelet.service (enabled, running), kc-worker.service (enabled) over D-Bus");
  CHECK(step.needs_systemd());
}
