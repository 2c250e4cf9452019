#include "common/storage/disks.h"

#include <doctest/doctest.h>

#include <map>

#include "fake_sysfs.h"
#include "imds_fake.h"
#include "scratch_dir.h"

using kc::storage::discover_disks;
using kc::storage::DiskSource;
using kc::storage::kEbsModel;
using kc::storage::kInstanceStoreModel;

namespace {

// A Nitro instance: EBS root nvme0n1 (/ on p9, /usr on dm-0 over p3), two instance-store disks.
void nitro(const FakeSysfs& sys) {
  sys.disk("nvme0n1", "259:0", kEbsModel);
  sys.partition("nvme0n1", "nvme0n1p3", "259:3");
  sys.partition("nvme0n1", "nvme0n1p9", "259:9");
  sys.disk("nvme1n1", "259:10", kInstanceStoreModel, 1000000);
  sys.disk("nvme2n1", "259:11", kInstanceStoreModel);
  sys.mount("259:9", "/", "/dev/nvme0n1p9");
}

const kc::storage::Disk* find(const kc::storage::Discovery& d, const std::string& name) {
  for (const auto& disk : d.disks)
    if (disk.name == name) return &disk;
  return nullptr;
}

}  // namespace

TEST_CASE("NVMe instance-store disks are found by model; EBS volumes are not candidates") {
  ScratchDir dir;
  FakeSysfs sys(dir);
  nitro(sys);
  kc::Host host(dir.path());
  auto found = discover_disks(host, nullptr, {});
  REQUIRE(found.ok());
  REQUIRE(found->disks.size() == 2);
  CHECK(found->disks[0].device == "/dev/nvme1n1");
  CHECK(found->disks[0].source == DiskSource::nvme_instance_store);
  CHECK(found->disks[0].size_bytes == 1000000ull * 512);
  CHECK(found->disks[0].skip_reason.empty());
  CHECK(found->disks[1].name == "nvme2n1");
  REQUIRE(found->notes.size() == 1);
  CHECK(found->notes[0] == "nvme0n1: an EBS volume, not instance storage");
}

TEST_CASE("the root disk is skipped, also when the root is on a device stacked on it") {
  ScratchDir dir;
  FakeSysfs sys(dir);
  nitro(sys);
  kc::Host host(dir.path());
  SUBCASE("given explicitly") {
    auto found = discover_disks(host, nullptr, {"/dev/nvme0n1"});
    REQUIRE(found.ok());
    REQUIRE(found->disks.size() == 1);
    CHECK(found->disks[0].skip_reason == "holds the root filesystem (/ on /dev/nvme0n1p9)");
  }
  SUBCASE("/usr on dm-0 over an instance-store disk") {
    sys.holder("nvme2n1", "dm-0", "254:0");
    sys.mount("254:0", "/usr", "/dev/mapper/usr");
    auto found = discover_disks(host, nullptr, {});
    REQUIRE(found.ok());
    CHECK(find(*found, "nvme2n1")->skip_reason ==
          "holds the root filesystem (/usr on /dev/mapper/usr)");
    CHECK(find(*found, "nvme1n1")->skip_reason.empty());
  }
}

TEST_CASE("a mounted, partitioned, swapping or otherwise used disk is skipped with the reason") {
  ScratchDir dir;
  FakeSysfs sys(dir);
  nitro(sys);
  kc::Host host(dir.path());
  SUBCASE("mounted elsewhere") {
    sys.mount("259:10", "/data", "/dev/nvme1n1");
    auto found = discover_disks(host, nullptr, {});
    REQUIRE(found.ok());
    CHECK(find(*found, "nvme1n1")->skip_reason == "is mounted (/dev/nvme1n1 at /data)");
  }
  SUBCASE("mounted only where kc mounts it: kc's own") {
    sys.mount("259:10", "/var/mnt/ephemeral", "/dev/nvme1n1");
    sys.mount("259:10", "/var/lib/containerd", "/dev/nvme1n1");
    auto found = discover_disks(host, nullptr, {});
    REQUIRE(found.ok());
    CHECK(find(*found, "nvme1n1")->skip_reason.empty());
  }
  SUBCASE("a partition mounted") {
    sys.partition("nvme1n1", "nvme1n1p1", "259:20");
    sys.mount("259:20", "/srv", "/dev/nvme1n1p1");
    auto found = discover_disks(host, nullptr, {});
    REQUIRE(found.ok());
    CHECK(find(*found, "nvme1n1")->skip_reason == "is mounted (/dev/nvme1n1p1 at /srv)");
  }
  SUBCASE("partitioned") {
    sys.partition("nvme2n1", "nvme2n1p1", "259:21");
    sys.partition("nvme2n1", "nvme2n1p2", "259:22");
    auto found = discover_disks(host, nullptr, {});
    REQUIRE(found.ok());
    CHECK(find(*found, "nvme2n1")->skip_reason ==
          "carries a partition table (partitions nvme2n1p1, nvme2n1p2)");
  }
  SUBCASE("swap") {
    dir.write("proc/swaps",
              "Filename\tType\tSize\tUsed\tPriority\n/dev/nvme2n1 partition 100 0 -2\n");
    auto found = discover_disks(host, nullptr, {});
    REQUIRE(found.ok());
    CHECK(find(*found, "nvme2n1")->skip_reason == "is in use as swap (/dev/nvme2n1)");
  }
  SUBCASE("held by device-mapper") {
    sys.holder("nvme2n1", "dm-3", "254:3");
    auto found = discover_disks(host, nullptr, {});
    REQUIRE(found.ok());
    CHECK(find(*found, "nvme2n1")->skip_reason == "is in use by dm-3");
  }
  SUBCASE("held by an md array: a candidate, its array noted") {
    sys.holder("nvme1n1", "md127", "9:127");
    sys.holder("nvme2n1", "md127", "9:127");
    auto found = discover_disks(host, nullptr, {});
    REQUIRE(found.ok());
    CHECK(find(*found, "nvme1n1")->skip_reason.empty());
    CHECK(find(*found, "nvme2n1")->md_holders == std::vector<std::string>{"md127"});
  }
  SUBCASE("no medium") {
    sys.disk("loop3", "7:3", "", 0);
    auto found = discover_disks(host, nullptr, {"/dev/loop3"});
    REQUIRE(found.ok());
    CHECK(found->disks[0].skip_reason == "has no medium (size 0)");
  }
}

TEST_CASE("Xen ephemeralN disks come from IMDS block-device-mapping, sdX named xvdX") {
  ScratchDir dir;
  FakeSysfs sys(dir);
  sys.disk("xvda", "202:0", "");
  sys.partition("xvda", "xvda1", "202:1");
  sys.disk("xvdb", "202:16", "");
  sys.disk("xvdc", "202:32", "");
  sys.mount("202:1", "/", "/dev/xvda1");
  kc::Host host(dir.path());
  FakeMetadata imds;
  imds.values = {{"block-device-mapping/", "ami\nephemeral0\nephemeral1\nephemeral2\nroot"},
                 {"block-device-mapping/ephemeral0", "sdb"},
                 {"block-device-mapping/ephemeral1", "/dev/sdc"},
                 {"block-device-mapping/ephemeral2", "sdd"}};
  auto found = discover_disks(host, &imds, {});
  REQUIRE(found.ok());
  REQUIRE(found->disks.size() == 2);
  CHECK(found->disks[0].device == "/dev/xvdb");
  CHECK(found->disks[0].origin == "IMDS ephemeral0");
  CHECK(found->disks[1].device == "/dev/xvdc");
  CHECK(found->disks[1].source == DiskSource::xen_ephemeral);
  REQUIRE(found->notes.size() == 1);
  CHECK(found->notes[0] ==
        "ephemeral2: IMDS maps it to sdd, which is not in /sys/block (not attached?)");

  SUBCASE("no IMDS: a note, no disks, no error") {
    imds.failure = kc::Error{"ask IMDS", "fake", "timed out", ""};
    auto none = discover_disks(host, &imds, {});
    REQUIRE(none.ok());
    CHECK(none->disks.empty());
    REQUIRE(none->notes.size() == 1);
    CHECK(none->notes[0].find("no Xen ephemeral disks looked up") == 0);
  }
}

TEST_CASE("IMDS is not asked on an instance with NVMe instance storage or without Xen disks") {
  ScratchDir dir;
  FakeSysfs sys(dir);
  nitro(sys);
  kc::Host host(dir.path());
  FakeMetadata imds;
  REQUIRE(discover_disks(host, &imds, {}).ok());
  CHECK(imds.asked.empty());
}

TEST_CASE("--ephemeral-device must name a whole disk in /sys/block") {
  ScratchDir dir;
  FakeSysfs sys(dir);
  nitro(sys);
  kc::Host host(dir.path());
  auto found = discover_disks(host, nullptr, {"/dev/nvme0n1p9"});
  REQUIRE_FALSE(found.ok());
  CHECK(found.error().what == "--ephemeral-device");
  CHECK(found.error().where == "/dev/nvme0n1p9");
}

TEST_CASE("no sysfs under the root (a scratch root): no disks, a note naming it") {
  ScratchDir dir;
  kc::Host host(dir.path());
  auto found = discover_disks(host, nullptr, {});
  REQUIRE(found.ok());
  CHECK(found->disks.empty());
  REQUIRE(found->notes.size() == 1);
  CHECK(found->notes[0].find((dir.path() / "sys/block").string()) != std::string::npos);
}

TEST_CASE("mountinfo: dev numbers, mount points and sources, with octal escapes") {
  auto mounts = kc::storage::parse_mountinfo(
      "22 1 259:9 / / rw,relatime shared:1 - ext4 /dev/nvme0n1p9 rw\n"
      "40 22 0:44 / /mnt/with\\040space rw shared:9 - tmpfs tmpfs rw\n"
      "garbage\n");
  REQUIRE(mounts.size() == 2);
  CHECK(mounts[0].dev == "259:9");
  CHECK(mounts[0].source == "/dev/nvme0n1p9");
  CHECK(mounts[1].mount_point == "/mnt/with space");
}
