#include "common/systemd/units_step.h"

#include <doctest/doctest.h>

#include "common/systemd/units.h"
#include "scratch_dir.h"

namespace {

kc::UnitsStep::Connect unreachable() {
  return [] {
    return kc::Result<std::unique_ptr<kc::SystemdManager>>(
        kc::Error{"connect to the system bus", "unix:path=/x", "No such file or directory", ""});
  };
}

}  // namespace

TEST_CASE("exec_start_binary follows ExecStart= resets across the unit and its drop-ins") {
  CHECK(kc::exec_start_binary(kc::embedded_unit_spec("kubelet.service", true).files) ==
        "/opt/bin/kubelet");
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
  kc::UnitSpec spec = kc::embedded_unit_spec("kubelet.service", true);
  REQUIRE(spec.files.size() == 2);
  CHECK(spec.files[0].name == "kubelet.service");
  CHECK(spec.files[1].name == "kubelet.service.d/10-kubeadm.conf");
  CHECK(kc::embedded_unit_spec("kc-worker.service", false).files.size() == 1);
}

TEST_CASE("without systemd a dry run reports from the files alone and changes nothing") {
  ScratchDir dir;
  kc::Host host(dir.path());
  dir.write("etc/systemd/system/kubelet.service",
            std::string(*kc::embedded_unit("kubelet.service")));
  kc::UnitsStep step({kc::embedded_unit_spec("kubelet.service", true)}, unreachable());
  auto outcome = step.run({host, true});
  REQUIRE(outcome.ok());
  CHECK(outcome->changed);
  REQUIRE(step.actions().size() == 3);
  CHECK(step.actions()[0] ==
        "would write /etc/systemd/system/kubelet.service.d/10-kubeadm.conf (new)");
  CHECK(step.actions()[1] == "would reload systemd");
  CHECK(step.actions()[2] ==
        "would enable kubelet.service and start kubelet.service unless running (systemd not "
        "asked: No such file or directory)");
  CHECK_FALSE(std::filesystem::exists(dir / "etc/systemd/system/kubelet.service.d"));
}

TEST_CASE("without systemd a real run fails before writing anything") {
  ScratchDir dir;
  kc::Host host(dir.path());
  kc::UnitsStep step({kc::embedded_unit_spec("kubelet.service", true)}, unreachable());
  auto outcome = step.run({host, false});
  REQUIRE_FALSE(outcome.ok());
  CHECK(outcome.error().what == "connect to the system bus");
  CHECK(step.actions().empty());
  CHECK_FALSE(std::filesystem::exists(dir / "etc/systemd/system/kubelet.service"));
}

TEST_CASE("describe names the units and what is ensured") {
  kc::UnitsStep step({kc::embedded_unit_spec("kubelet.service", true),
                      kc::embedded_unit_spec("kc-worker.service", false)},
                     unreachable());
  CHECK(step.describe() ==
        "systemd units kubelet.service (enabled, running), kc-worker.service (enabled) over D-Bus");
}
