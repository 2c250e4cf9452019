#include "common/storage/block_devices.h"

#include <doctest/doctest.h>

using kc::storage::parse_blkid_export;

TEST_CASE("blkid -p -o export output is parsed; DEVNAME is not a signature") {
  auto p = parse_blkid_export(
      "DEVNAME=/dev/loop0\nLABEL=data\nUUID=85bbd844-037f-4a72-9b34-0a4e862aae62\n"
      "VERSION=1.0\nBLOCK_SIZE=1024\nTYPE=ext4\nUSAGE=filesystem\n");
  CHECK_FALSE(p.blank());
  CHECK(p.get("TYPE") == "ext4");
  CHECK(p.get("DEVNAME").empty());
  CHECK(p.describe() == "ext4 filesystem (LABEL=data, UUID=85bbd844-037f-4a72-9b34-0a4e862aae62)");
}

TEST_CASE("nothing found is blank; partition tables and md members are described") {
  CHECK(parse_blkid_export("").blank());
  CHECK(parse_blkid_export("DEVNAME=/dev/loop0\n").blank());
  CHECK(parse_blkid_export("PTUUID=abcd\nPTTYPE=gpt\n").describe() ==
        "gpt partition table (PTUUID=abcd)");
  CHECK(parse_blkid_export("TYPE=linux_raid_member\nLABEL=any:kc-ephemeral\nUUID=u\n").describe() ==
        "md RAID member (LABEL=any:kc-ephemeral, UUID=u)");
  CHECK(parse_blkid_export("TYPE=swap\nUSAGE=other\n").describe() == "swap signature");
}

TEST_CASE("a command is shown as it is run") {
  kc::storage::Command c{{"wipefs", "-a", "/dev/loop0"}};
  CHECK(c.text() == "wipefs -a /dev/loop0");
}
