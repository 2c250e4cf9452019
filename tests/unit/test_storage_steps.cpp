#include "common/storage/storage_steps.h"

#include <doctest/doctest.h>

#include <algorithm>
#include <map>

#include "common/storage/decision.h"
#include "fake_sysfs.h"
#include "scratch_dir.h"

using namespace kc::storage;

namespace {

// The block devices of a fake machine: what blkid would find on each, and every command run,
// with the effect the real program has on what blkid finds next.
class FakeDevices final : public BlockDevices {
 public:
  explicit FakeDevices(const FakeSysfs& sys) : sys_(sys) {}
  std::map<std::string, Probe> probes;
  std::vector<std::string> commands;
  std::string failing;  // a program that fails

  kc::Result<Probe> probe(const std::string& device) override {
    auto it = probes.find(alias(device));
    return it == probes.end() ? Probe{} : it->second;
  }
  kc::Status run(const Command& c) override {
    commands.push_back(c.text());
    const std::string& program = c.argv.at(0);
    if (program == failing) return kc::Error{"run", c.text(), "exited with status 1", ""};
    const std::string& last = c.argv.back();
    if (program.starts_with("mkfs.")) {
      probes[alias(last)] = Probe{{{"TYPE", program.substr(5)}, {"LABEL", kLabel}}, false};
    } else if (program == "wipefs") {
      probes.erase(last);
    } else if (program == "mdadm" && c.argv.at(1) == "--create") {
      for (const auto& a : c.argv) {
        if (!a.starts_with("/dev/nvme")) continue;
        probes[a] = Probe{{{"TYPE", "linux_raid_member"}, {"LABEL", "any:kc-ephemeral"}}, false};
        sys_.holder(a.substr(5), "md127", "9:127");
      }
      probes.erase("/dev/md127");
    }
    return {};
  }

 private:
  static std::string alias(const std::string& d) { return d == kArrayDevice ? "/dev/md127" : d; }
  const FakeSysfs& sys_;
};

// systemd as the steps see it: enabling and starting; starting a mount unit mounts it.
struct FakeSystemdState {
  std::map<std::string, std::string> file_state;
  std::map<std::string, kc::UnitStatus> status;
  std::vector<std::string> calls;
};

class FakeSystemd final : public kc::Systemd {
 public:
  FakeSystemd(FakeSystemdState& s, const FakeSysfs& sys, std::string dev, bool mounts)
      : s_(s), sys_(sys), dev_(std::move(dev)), mounts_(mounts) {}
  kc::Status reload() override {
    s_.calls.push_back("reload");
    return {};
  }
  kc::Result<std::string> unit_file_state(const std::string& unit) override {
    auto it = s_.file_state.find(unit);
    return it == s_.file_state.end() ? std::string("disabled") : it->second;
  }
  kc::Status enable(const std::vector<std::string>& units) override {
    for (const auto& u : units) {
      s_.calls.push_back("enable " + u);
      s_.file_state[u] = "enabled";
    }
    return {};
  }
  kc::Result<std::string> start(const std::string& unit) override {
    s_.calls.push_back("start " + unit);
    kc::UnitStatus& st = s_.status[unit];
    st.load_state = "loaded";
    st.active_state = "active";
    st.sub_state = "mounted";
    st.active_enter_us = 1;
    const std::map<std::string, std::string> where{
        {"var-mnt-ephemeral.mount", "/var/mnt/ephemeral"},
        {"var-lib-containerd.mount", "/var/lib/containerd"},
        {"var-lib-kubelet.mount", "/var/lib/kubelet"},
        {"var-log-pods.mount", "/var/log/pods"}};
    if (mounts_ && where.count(unit)) sys_.mount(dev_, where.at(unit), "/dev/kc");
    return std::string("done");
  }
  kc::Result<std::string> restart(const std::string& unit) override { return start(unit); }
  kc::Result<kc::UnitStatus> status(const std::string& unit) override {
    auto it = s_.status.find(unit);
    if (it != s_.status.end()) return it->second;
    kc::UnitStatus st;
    st.load_state = "loaded";
    st.active_state = "inactive";
    st.sub_state = "dead";
    return st;
  }

 private:
  FakeSystemdState& s_;
  const FakeSysfs& sys_;
  std::string dev_;
  bool mounts_;
};

struct Lines final : kc::Reporter {
  std::vector<std::string> out, warnings;
  void line(std::string_view phase, std::string_view text) override {
    out.push_back("[" + std::string(phase) + "] " + std::string(text));
  }
  void info(std::string_view, std::string_view) override {}
  void warn(std::string_view, std::string_view text) override { warnings.emplace_back(text); }
};

struct Machine {
  ScratchDir dir;
  FakeSysfs sys{dir};
  std::shared_ptr<FakeDevices> devices = std::make_shared<FakeDevices>(sys);
  FakeSystemdState systemd;
  std::string mounted_dev = "259:10";
  bool mounts = true;  // false: a start job "done" that mounted nothing

  Machine() {
    sys.disk("nvme0n1", "259:0", kEbsModel);
    sys.partition("nvme0n1", "nvme0n1p9", "259:9");
    sys.mount("259:9", "/", "/dev/nvme0n1p9");
  }

  struct Run {
    kc::Result<kc::PlanReport> report;
    Lines lines;
  };
  Run run(bool dry_run, StorageOptions options = {}) {
    kc::Host host(dir.path());
    StorageSeams seams;
    seams.devices = devices;
    seams.connect = [this](const std::string&) -> kc::Result<std::unique_ptr<kc::Systemd>> {
      return std::unique_ptr<kc::Systemd>(
          std::make_unique<FakeSystemd>(systemd, sys, mounted_dev, mounts));
    };
    kc::Plan plan;
    kc::Phase phase{"storage", {}};
    add_storage_steps(phase, options, seams);
    plan.push_back(std::move(phase));
    Run r{kc::PlanReport{}, {}};
    kc::StepContext context(host, dry_run);
    context.reporter = &r.lines;
    context.system_bus = "unix:path=/test/bus";
    r.report = kc::execute(plan, context);
    return r;
  }
  bool exists(const std::string& rel) const { return std::filesystem::exists(dir / rel); }
};

std::vector<std::string> starts(const FakeSystemdState& s) {
  std::vector<std::string> out;
  for (const auto& c : s.calls)
    if (c.starts_with("start ")) out.push_back(c.substr(6));
  return out;
}

}  // namespace

TEST_CASE(
    "one blank instance-store disk: mkfs, mount, data directories, bind mounts; then "
    "nothing") {
  Machine m;
  m.sys.disk("nvme1n1", "259:10", kInstanceStoreModel);
  auto first = m.run(false);
  REQUIRE(first.report.ok());
  CHECK(m.devices->commands ==
        std::vector<std::string>{"mkfs.ext4 -F -q -m 0 -E nodiscard -L kc-ephemeral /dev/nvme1n1"});
  CHECK(m.exists("etc/systemd/system/var-mnt-ephemeral.mount"));
  CHECK(m.exists("etc/systemd/system/var-lib-containerd.mount"));
  CHECK(m.exists("etc/systemd/system/kc-storage.service"));
  for (const char* d : {"containerd", "kubelet", "pods"})
    CHECK(m.exists(std::string("var/mnt/ephemeral/") + d));
  // The filesystem first, then the bind mounts; kc-storage.service is enabled, not started.
  CHECK(starts(m.systemd) ==
        std::vector<std::string>{"var-mnt-ephemeral.mount", "var-lib-containerd.mount",
                                 "var-lib-kubelet.mount", "var-log-pods.mount"});
  CHECK(m.systemd.file_state["kc-storage.service"] == "enabled");

  m.devices->commands.clear();
  m.systemd.calls.clear();
  auto second = m.run(false);
  REQUIRE(second.report.ok());
  CHECK(second.report->changed == 0);
  CHECK(m.devices->commands.empty());
  CHECK(m.systemd.calls.empty());
  CHECK(second.lines.out[0] ==
        "[storage] instance store: ext4 kc-ephemeral on /dev/nvme1n1, made by kc earlier up to "
        "date");
}

TEST_CASE("two blank disks: RAID0 then mkfs; the next run finds kc's array and reuses it") {
  Machine m;
  m.sys.disk("nvme1n1", "259:10", kInstanceStoreModel);
  m.sys.disk("nvme2n1", "259:11", kInstanceStoreModel);
  m.mounted_dev = "9:127";
  auto first = m.run(false, {true, "xfs", {}});
  REQUIRE(first.report.ok());
  REQUIRE(m.devices->commands.size() == 2);
  CHECK(m.devices->commands[0].find("mdadm --create /dev/md/kc-ephemeral") == 0);
  CHECK(m.devices->commands[1] == "mkfs.xfs -f -q -K -L kc-ephemeral /dev/md/kc-ephemeral");

  m.devices->commands.clear();
  auto second = m.run(false, {true, "xfs", {}});
  REQUIRE(second.report.ok());
  CHECK(second.report->changed == 0);
  CHECK(m.devices->commands.empty());
}

TEST_CASE("a dry run shows every command and unit and changes nothing") {
  Machine m;
  m.sys.disk("nvme1n1", "259:10", kInstanceStoreModel);
  m.sys.disk("nvme2n1", "259:11", kInstanceStoreModel);
  auto r = m.run(true);
  REQUIRE(r.report.ok());
  CHECK(m.devices->commands.empty());
  CHECK(m.systemd.calls.empty());
  CHECK_FALSE(m.exists("etc/systemd/system/var-mnt-ephemeral.mount"));
  CHECK_FALSE(m.exists("var/mnt/ephemeral"));
  REQUIRE(r.lines.out.size() >= 4);
  CHECK(r.lines.out[0].find("[storage] would run mdadm --create /dev/md/kc-ephemeral") == 0);
  CHECK(r.lines.out[0].find("; would run mkfs.ext4") != std::string::npos);
  CHECK(r.lines.out[1].find("would write /etc/systemd/system/var-mnt-ephemeral.mount (new)") !=
        std::string::npos);
  CHECK(r.lines.out[2].find("would create /var/mnt/ephemeral/containerd") != std::string::npos);
}

TEST_CASE(
    "a disk with a foreign filesystem is skipped with the documented message; nothing is "
    "written") {
  Machine m;
  m.sys.disk("nvme1n1", "259:10", kInstanceStoreModel);
  m.devices->probes["/dev/nvme1n1"] =
      Probe{{{"TYPE", "ext4"}, {"LABEL", "data"}, {"UUID", "u-1"}}, false};
  auto r = m.run(false);
  REQUIRE(r.report.ok());
  CHECK(r.report->changed == 0);
  CHECK(m.devices->commands.empty());
  CHECK(m.systemd.calls.empty());
  CHECK_FALSE(m.exists("etc/systemd/system/var-mnt-ephemeral.mount"));
  REQUIRE(r.lines.warnings.size() == 1);
  CHECK(r.lines.warnings[0] ==
        "skipped /dev/nvme1n1 (NVMe instance storage): carries a signature kc did not write: "
        "ext4 filesystem (LABEL=data, UUID=u-1); kc leaves it alone");
}

TEST_CASE("kc's filesystem not mounted after its start: no directory is made on the root volume") {
  Machine m;
  m.sys.disk("nvme1n1", "259:10", kInstanceStoreModel);
  m.mounts = false;
  auto r = m.run(false);
  REQUIRE_FALSE(r.report.ok());
  CHECK(r.report.error().message().find("kc's filesystem is not mounted there") !=
        std::string::npos);
  CHECK(r.report.error().message().find("/var/mnt/ephemeral") != std::string::npos);
  CHECK_FALSE(m.exists("var/mnt/ephemeral/containerd"));
  CHECK_FALSE(m.exists("etc/systemd/system/var-lib-containerd.mount"));
}

TEST_CASE("kc's array not running: assembled; a failed assembly says how to start over") {
  Machine m;
  m.sys.disk("nvme1n1", "259:10", kInstanceStoreModel);
  m.sys.disk("nvme2n1", "259:11", kInstanceStoreModel);
  const Probe member{{{"TYPE", "linux_raid_member"}, {"LABEL", "any:kc-ephemeral"}, {"UUID", "a"}},
                     false};
  m.devices->probes["/dev/nvme1n1"] = member;
  m.devices->probes["/dev/nvme2n1"] = member;
  m.devices->failing = "mdadm";
  auto r = m.run(false);
  REQUIRE_FALSE(r.report.ok());
  CHECK(m.devices->commands ==
        std::vector<std::string>{
            "mdadm --assemble /dev/md/kc-ephemeral --run /dev/nvme1n1 /dev/nvme2n1"});
  CHECK(r.report.error().hint.find("wipefs -a") != std::string::npos);
  CHECK_FALSE(m.exists("etc/systemd/system/var-mnt-ephemeral.mount"));
}

TEST_CASE("no instance store: nothing run, no unit written") {
  Machine m;
  auto r = m.run(false);
  REQUIRE(r.report.ok());
  CHECK(r.report->changed == 0);
  CHECK(m.systemd.calls.empty());
  CHECK_FALSE(m.exists("etc/systemd/system/kc-storage.service"));
}

TEST_CASE("--ephemeral-storage off adds no step") {
  kc::Phase phase{"storage", {}};
  add_storage_steps(phase, {false, "ext4", {}});
  CHECK(phase.steps.empty());
}

TEST_CASE("bad storage options name the flag") {
  auto fs = check_storage_options({true, "btrfs", {}});
  REQUIRE_FALSE(fs.ok());
  CHECK(fs.error().what == "--ephemeral-fs");
  auto dev = check_storage_options({true, "ext4", {"nvme1n1"}});
  REQUIRE_FALSE(dev.ok());
  CHECK(dev.error().what == "--ephemeral-device");
  CHECK(check_storage_options({true, "xfs", {"/dev/nvme1n1"}}).ok());
}
