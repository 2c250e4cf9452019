#include <doctest/doctest.h>

#include "common/storage/block_devices.h"
#include "scratch_dir.h"

using kc::storage::ProgramBlockDevices;

TEST_CASE("probing a device that does not exist fails (blkid alone would say 'nothing found')") {
  ProgramBlockDevices devices;
  auto p = devices.probe("/dev/kc-test-no-such-disk");
  REQUIRE_FALSE(p.ok());
  CHECK(p.error().message().find("/dev/kc-test-no-such-disk") != std::string::npos);
}

TEST_CASE("probing a regular file is refused: only block devices are probed") {
  ScratchDir dir;
  dir.write("disk.img", std::string(4096, '\0'));
  ProgramBlockDevices devices;
  auto p = devices.probe((dir / "disk.img").string());
  REQUIRE_FALSE(p.ok());
  CHECK(p.error().why == "not a block device");
}

TEST_CASE("a program that is not installed is an error naming it") {
  ProgramBlockDevices devices;
  auto s = devices.run({{"kc-no-such-mkfs", "/dev/null"}});
  REQUIRE_FALSE(s.ok());
  CHECK(s.error().where == "kc-no-such-mkfs");
}
