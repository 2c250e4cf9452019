#include "common/core/lock.h"

#include <doctest/doctest.h>
#include <sys/stat.h>
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

TEST_CASE("anything but a regular file of one link in place of the lock file is refused") {
  SUBCASE("a FIFO") {
    ScratchDir dir;
    std::filesystem::create_directories(dir / "run");
    REQUIRE(::mkfifo((dir / "run/kc.lock").c_str(), 0644) == 0);
    Host host(dir.path());
    auto lock = HostLock::try_acquire(host, nullptr);
    REQUIRE_FALSE(lock.ok());
    CHECK(lock.error().why.find("not a regular file") != std::string::npos);
  }
  SUBCASE("a directory") {
    ScratchDir dir;
    std::filesystem::create_directories(dir / "run/kc.lock");
    Host host(dir.path());
    CHECK_FALSE(HostLock::try_acquire(host, nullptr).ok());
  }
  SUBCASE("a hard link to another file, which would get the PID") {
    ScratchDir dir;
    dir.write("precious", "keep me");
    std::filesystem::create_directories(dir / "run");
    std::filesystem::create_hard_link(dir / "precious", dir / "run/kc.lock");
    Host host(dir.path());
    auto lock = HostLock::try_acquire(host, nullptr);
    REQUIRE_FALSE(lock.ok());
    CHECK(lock.error().why.find("hard link") != std::string::npos);
    CHECK(dir.read("precious") == "keep me");
  }
}
