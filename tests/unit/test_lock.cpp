#include "common/core/lock.h"

#include <doctest/doctest.h>
#include <unistd.h>

#include "scratch_dir.h"

using namespace kc;

TEST_CASE("the host lock is exclusive and released with its holder") {
  ScratchDir dir;
  Host host(dir.path());
  std::string holder;
  {
    auto first = HostLock::try_acquire(host, &holder);
    REQUIRE(first.ok());
    REQUIRE(first->has_value());
    CHECK(std::filesystem::exists(dir / "run/kc.lock"));
    // flock() locks belong to the open file, so a second open conflicts even in one process.
    auto second = HostLock::try_acquire(host, &holder);
    REQUIRE(second.ok());
    CHECK_FALSE(second->has_value());
    CHECK(holder == std::to_string(::getpid()));
  }
  auto again = HostLock::try_acquire(host, &holder);
  REQUIRE(again.ok());
  CHECK(again->has_value());
}

TEST_CASE("a symlink in place of the lock file is refused, naming the file, and not followed") {
  ScratchDir dir;
  Host host(dir.path());
  dir.write("elsewhere", "");
  std::filesystem::create_directories(dir / "run");
  std::filesystem::create_symlink(dir / "elsewhere", dir / "run/kc.lock");
  std::string holder;
  auto lock = HostLock::try_acquire(host, &holder);
  REQUIRE_FALSE(lock.ok());
  CHECK(lock.error().what == "open lock file");
  CHECK(lock.error().where.find("run/kc.lock") != std::string::npos);
  CHECK(dir.read("elsewhere").empty());
}
