#include "common/storage/storage_units.h"

#include <doctest/doctest.h>

using namespace kc::storage;
using kc::UnitSpec;

namespace {
bool has_line(const std::string& text, const std::string& line) {
  return ("\n" + text).find("\n" + line + "\n") != std::string::npos;
}
}  // namespace

TEST_CASE("unit names escape paths as systemd-escape --path does") {
  CHECK(mount_unit_name("/var/mnt/ephemeral") == "var-mnt-ephemeral.mount");
  CHECK(mount_unit_name("/var/lib/containerd/") == "var-lib-containerd.mount");
  CHECK(escape_unit_path("/srv/my-data") == "srv-my\\x2ddata");
  CHECK(escape_unit_path("/a b/.x") == "a\\x20b-.x");
  CHECK(escape_unit_path("/.hidden") == "\\x2ehidden");
  CHECK(escape_unit_path("/") == "-");
}

TEST_CASE(
    "kc's filesystem is mounted by label at /var/mnt/ephemeral, before containerd and kubelet") {
  UnitSpec spec = filesystem_mount_unit();
  CHECK(spec.name == "var-mnt-ephemeral.mount");
  CHECK(spec.start);
  REQUIRE(spec.files.size() == 2);
  const std::string& unit = spec.files[0].content;
  CHECK(has_line(unit, "What=LABEL=kc-ephemeral"));
  CHECK(has_line(unit, "Where=/var/mnt/ephemeral"));
  CHECK(has_line(unit, "Before=containerd.service kubelet.service"));
  // Never pulled in by systemd on its own at boot (the disks may be blank then).
  CHECK(unit.find("local-fs.target") == std::string::npos);
  CHECK(has_line(unit, "WantedBy=kc-ephemeral.target"));
  CHECK(spec.files[1].name == "kc-ephemeral.target");
}

TEST_CASE("bind mounts of containerd's, kubelet's and the pod logs' directories") {
  StorageOptions options;
  options.filesystem = "xfs";
  options.devices = {"/dev/nvme1n1", "/dev/nvme2n1"};
  auto specs = bind_mount_units(options);
  REQUIRE(specs.size() == 4);
  CHECK(specs[0].name == "var-lib-containerd.mount");
  CHECK(specs[1].name == "var-lib-kubelet.mount");
  CHECK(specs[2].name == "var-log-pods.mount");
  for (int i = 0; i < 3; ++i) {
    const std::string& unit = specs[i].files[0].content;
    CHECK(has_line(unit, "Requires=var-mnt-ephemeral.mount"));
    CHECK(has_line(unit, "After=var-mnt-ephemeral.mount"));
    CHECK(has_line(unit, "Before=containerd.service kubelet.service"));
    CHECK(has_line(unit, "Options=bind"));
    CHECK(specs[i].start);
  }
  CHECK(has_line(specs[0].files[0].content, "What=/var/mnt/ephemeral/containerd"));
  CHECK(has_line(specs[0].files[0].content, "Where=/var/lib/containerd"));
  CHECK(has_line(specs[2].files[0].content, "What=/var/mnt/ephemeral/pods"));

  const UnitSpec& service = specs[3];
  CHECK(service.name == "kc-storage.service");
  CHECK_FALSE(service.start);  // it runs at the next boot; this run does its work already
  const std::string& s = service.files[0].content;
  CHECK(has_line(s, "Before=containerd.service kubelet.service kc-worker.service"));
  CHECK(has_line(s,
                 "ExecStart=/opt/bin/kc-worker storage --ephemeral-fs xfs --ephemeral-device "
                 "/dev/nvme1n1 --ephemeral-device /dev/nvme2n1"));
  CHECK(has_line(s, "WantedBy=multi-user.target"));
}

TEST_CASE("kc-storage.service of a leader runs kc-leader storage") {
  StorageOptions leader;
  leader.program = "/opt/bin/kc-leader";
  const auto specs = bind_mount_units(leader);
  REQUIRE(specs.size() == 4);
  CHECK(specs[3].files[0].content.find(
            "\nExecStart=/opt/bin/kc-leader storage --ephemeral-fs ext4\n") != std::string::npos);
}

TEST_CASE("kc-storage.service from the default options: what the worker user data enables") {
  const std::string unit = storage_service_unit({});
  CHECK(unit.find("\nExecStart=/opt/bin/kc-worker storage --ephemeral-fs ext4\n") !=
        std::string::npos);
  CHECK(bind_mount_units({}).back().files[0].content == unit);
}
