#include "common/storage/decision.h"

#include <doctest/doctest.h>

using namespace kc::storage;

namespace {

Probe probe(std::map<std::string, std::string> values) {
  return Probe{std::move(values), false};
}
Probe blank() {
  return {};
}
Probe kc_fs(const std::string& type = "ext4") {
  return probe({{"TYPE", type}, {"LABEL", kLabel}, {"UUID", "1111"}});
}
Probe kc_member(const std::string& uuid) {
  return probe({{"TYPE", "linux_raid_member"}, {"LABEL", "any:kc-ephemeral"}, {"UUID", uuid}});
}

ProbedDisk disk(const std::string& name, Probe p, std::string skip = "") {
  return {Disk{name,
               "/dev/" + name,
               1 << 30,
               DiskSource::nvme_instance_store,
               "NVMe instance storage",
               std::move(skip),
               {}},
          std::move(p)};
}

std::vector<std::string> texts(const Decision& d) {
  std::vector<std::string> out;
  for (const auto& c : d.commands) out.push_back(c.text());
  return out;
}

}  // namespace

TEST_CASE("probes are classified: blank, kc's member, kc's filesystem, anything else foreign") {
  CHECK(classify(blank()) == DiskState::blank);
  CHECK(classify(kc_member("u")) == DiskState::kc_member);
  CHECK(classify(probe({{"TYPE", "linux_raid_member"}, {"LABEL", "host:kc-ephemeral"}})) ==
        DiskState::kc_member);
  CHECK(classify(kc_fs("xfs")) == DiskState::kc_filesystem);
  CHECK(classify(probe({{"TYPE", "linux_raid_member"}, {"LABEL", "host:data"}})) ==
        DiskState::foreign);
  CHECK(classify(probe({{"TYPE", "ext4"}, {"LABEL", "data"}})) == DiskState::foreign);
  CHECK(classify(probe({{"TYPE", "btrfs"}, {"LABEL", kLabel}})) == DiskState::foreign);
  CHECK(classify(probe({{"PTTYPE", "gpt"}})) == DiskState::foreign);
  Probe ambivalent;
  ambivalent.ambivalent = true;
  CHECK(classify(ambivalent) == DiskState::foreign);
}

TEST_CASE("0 disks: nothing to do") {
  Decision d = decide({}, {}, "ext4");
  CHECK(d.action == Action::none);
  CHECK(d.commands.empty());
  CHECK(d.summary.find("stay on the root volume") != std::string::npos);
}

TEST_CASE("1 blank disk: a filesystem on it, no RAID") {
  Decision d = decide({disk("nvme1n1", blank())}, {}, "xfs");
  CHECK(d.action == Action::make_filesystem);
  CHECK(d.device == "/dev/nvme1n1");
  CHECK(texts(d) == std::vector<std::string>{"mkfs.xfs -f -q -K -L kc-ephemeral /dev/nvme1n1"});
}

TEST_CASE("2 blank disks: RAID0 with mdadm, then mkfs on the array") {
  Decision d = decide({disk("nvme1n1", blank()), disk("nvme2n1", blank())}, {}, "ext4");
  CHECK(d.action == Action::create);
  CHECK(d.device == "/dev/md/kc-ephemeral");
  CHECK(texts(d) == std::vector<std::string>{
                        "mdadm --create /dev/md/kc-ephemeral --run --level=0 --metadata=1.2 "
                        "--name=kc-ephemeral --homehost=any --raid-devices=2 /dev/nvme1n1 "
                        "/dev/nvme2n1",
                        "mkfs.ext4 -F -q -m 0 -E nodiscard -L kc-ephemeral /dev/md/kc-ephemeral"});
}

TEST_CASE("4 disks, one foreign: RAID0 of the 3 others; the foreign one is named and untouched") {
  Decision d = decide(
      {disk("nvme1n1", blank()), disk("nvme2n1", blank()),
       disk("nvme3n1", probe({{"TYPE", "xfs"}, {"LABEL", "mine"}})), disk("nvme4n1", blank())},
      {}, "ext4");
  CHECK(d.action == Action::create);
  CHECK(d.disks == std::vector<std::string>{"/dev/nvme1n1", "/dev/nvme2n1", "/dev/nvme4n1"});
  REQUIRE(d.skipped.size() == 1);
  CHECK(d.skipped[0] ==
        "/dev/nvme3n1 (NVMe instance storage): carries a signature kc did not write: xfs "
        "filesystem (LABEL=mine)");
  for (const auto& text : texts(d)) CHECK(text.find("nvme3n1") == std::string::npos);
  CHECK(texts(d)[0].find("--raid-devices=3") != std::string::npos);
}

TEST_CASE("4 blank disks: one RAID0 of all four") {
  Decision d = decide({disk("nvme1n1", blank()), disk("nvme2n1", blank()), disk("nvme3n1", blank()),
                       disk("nvme4n1", blank())},
                      {}, "xfs");
  CHECK(d.action == Action::create);
  REQUIRE(d.commands.size() == 2);
  CHECK(texts(d)[0].find("--raid-devices=4 /dev/nvme1n1 /dev/nvme2n1 /dev/nvme3n1 /dev/nvme4n1") !=
        std::string::npos);
  CHECK(texts(d)[1] == "mkfs.xfs -f -q -K -L kc-ephemeral /dev/md/kc-ephemeral");
}

TEST_CASE("disks sysfs ruled out are reported with their reason") {
  Decision d = decide({disk("nvme0n1", blank(), "holds the root filesystem (/ on /dev/nvme0n1p9)")},
                      {}, "ext4");
  CHECK(d.action == Action::none);
  REQUIRE(d.skipped.size() == 1);
  CHECK(d.skipped[0] ==
        "/dev/nvme0n1 (NVMe instance storage): holds the root filesystem (/ on /dev/nvme0n1p9)");
}

TEST_CASE("kc's filesystem on one disk is reused as it is, whatever --ephemeral-fs says") {
  Decision d = decide({disk("nvme1n1", kc_fs("ext4"))}, {}, "xfs");
  CHECK(d.action == Action::reuse);
  CHECK(d.filesystem == "ext4");
  CHECK(d.commands.empty());
}

TEST_CASE("kc's running array with its filesystem is reused") {
  ActiveArray md{"md127", {"nvme2n1", "nvme1n1"}, kc_fs("xfs")};
  Decision d =
      decide({disk("nvme1n1", kc_member("a")), disk("nvme2n1", kc_member("a"))}, {md}, "ext4");
  CHECK(d.action == Action::reuse);
  CHECK(d.device == "/dev/md127");
  CHECK(d.filesystem == "xfs");
  CHECK(d.commands.empty());
}

TEST_CASE("kc's running array without a filesystem gets one") {
  ActiveArray md{"md127", {"nvme1n1", "nvme2n1"}, blank()};
  Decision d =
      decide({disk("nvme1n1", kc_member("a")), disk("nvme2n1", kc_member("a"))}, {md}, "ext4");
  CHECK(d.action == Action::make_filesystem);
  CHECK(texts(d) ==
        std::vector<std::string>{"mkfs.ext4 -F -q -m 0 -E nodiscard -L kc-ephemeral /dev/md127"});
}

TEST_CASE("kc's array with someone else's filesystem on it is left alone") {
  ActiveArray md{"md127", {"nvme1n1", "nvme2n1"}, probe({{"TYPE", "ext4"}, {"LABEL", "db"}})};
  Decision d =
      decide({disk("nvme1n1", kc_member("a")), disk("nvme2n1", kc_member("a"))}, {md}, "ext4");
  CHECK(d.action == Action::none);
  CHECK(d.commands.empty());
  REQUIRE(d.skipped.size() == 1);
  CHECK(d.skipped[0].find("/dev/md127") == 0);
}

TEST_CASE("kc's array not running (devices in another order): assembled again") {
  Decision d =
      decide({disk("nvme2n1", kc_member("a")), disk("nvme1n1", kc_member("a"))}, {}, "ext4");
  CHECK(d.action == Action::assemble);
  CHECK(texts(d) == std::vector<std::string>{
                        "mdadm --assemble /dev/md/kc-ephemeral --run /dev/nvme2n1 /dev/nvme1n1"});
}

TEST_CASE("members of different kc arrays, or a new blank disk: wiped and made anew") {
  SUBCASE("two arrays' members") {
    Decision d =
        decide({disk("nvme1n1", kc_member("a")), disk("nvme2n1", kc_member("b"))}, {}, "ext4");
    CHECK(d.action == Action::create);
    CHECK(texts(d)[0] == "wipefs -a -q /dev/nvme1n1");
    CHECK(texts(d)[1] == "wipefs -a -q /dev/nvme2n1");
    CHECK(texts(d)[2].find("mdadm --create") == 0);
  }
  SUBCASE("a running kc array of two and a third disk: stopped, wiped, made of three") {
    ActiveArray md{"md127", {"nvme1n1", "nvme2n1"}, kc_fs()};
    Decision d = decide({disk("nvme1n1", kc_member("a")), disk("nvme2n1", kc_member("a")),
                         disk("nvme3n1", blank())},
                        {md}, "ext4");
    CHECK(d.action == Action::create);
    CHECK(texts(d)[0] == "mdadm --stop /dev/md127");
    CHECK(texts(d)[1] == "wipefs -a -q /dev/nvme1n1");
    CHECK(texts(d)[2] == "wipefs -a -q /dev/nvme2n1");
    CHECK(texts(d)[3].find("--raid-devices=3") != std::string::npos);
  }
  SUBCASE("one disk left of kc's array: wiped, a filesystem on it") {
    Decision d = decide({disk("nvme1n1", kc_member("a"))}, {}, "ext4");
    CHECK(d.action == Action::make_filesystem);
    CHECK(texts(d)[0] == "wipefs -a -q /dev/nvme1n1");
    CHECK(texts(d)[1].find("mkfs.ext4") == 0);
  }
  SUBCASE("kc's single-disk filesystem and a new disk: one RAID0 of both") {
    Decision d = decide({disk("nvme1n1", kc_fs()), disk("nvme2n1", blank())}, {}, "ext4");
    CHECK(d.action == Action::create);
    CHECK(texts(d)[0] == "wipefs -a -q /dev/nvme1n1");
  }
}
