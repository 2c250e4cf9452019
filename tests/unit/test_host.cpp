#include "common/core/host.h"

#include <doctest/doctest.h>
#include <sys/stat.h>

#include "scratch_dir.h"

namespace fs = std::filesystem;

TEST_CASE("Host maps host paths under its root") {
  kc::Host host("/tmp/root/");
  CHECK(host.path("/opt/bin/kubelet") == fs::path("/tmp/root/opt/bin/kubelet"));
  CHECK(host.path("etc/kc") == fs::path("/tmp/root/etc/kc"));
  CHECK(kc::Host("/").path("/opt/bin") == fs::path("/opt/bin"));
  CHECK(kc::Host("/").is_real_root());
  CHECK_FALSE(host.is_real_root());
}

TEST_CASE("write_file creates parents, sets the mode and reads back") {
  ScratchDir dir;
  kc::Host host(dir.path());
  REQUIRE(host.write_file("/etc/kc/worker.json", "{}", 0600).ok());
  CHECK(dir.read("etc/kc/worker.json") == "{}");
  auto info = host.stat("/etc/kc/worker.json");
  REQUIRE(info.ok());
  REQUIRE(info->has_value());
  CHECK((*info)->mode == 0600);
  CHECK((*info)->size == 2);
  auto content = host.read_file("/etc/kc/worker.json");
  REQUIRE(content.ok());
  CHECK(content->value() == "{}");
}

TEST_CASE("write_file replaces atomically and leaves no temporary file behind") {
  ScratchDir dir;
  kc::Host host(dir.path());
  REQUIRE(host.write_file("/a/f", "one", 0644).ok());
  REQUIRE(host.write_file("/a/f", "two", 0644).ok());
  CHECK(dir.read("a/f") == "two");
  int entries = 0;
  for (const auto& e : fs::directory_iterator(dir / "a")) {
    (void)e;
    ++entries;
  }
  CHECK(entries == 1);
}

TEST_CASE("a failed write leaves the old file and no temporary file") {
  ScratchDir dir;
  kc::Host host(dir.path());
  REQUIRE(host.write_file("/a/f", "old", 0644).ok());
  // A directory where the file's parent should be makes the write fail.
  dir.write("blocked", "a file, not a directory");
  auto status = host.write_file("/blocked/f", "new", 0644);
  REQUIRE_FALSE(status.ok());
  CHECK(status.error().where.find("blocked") != std::string::npos);
  CHECK(dir.read("a/f") == "old");
}

TEST_CASE("read_file and stat report a missing file as empty, not as an error") {
  ScratchDir dir;
  kc::Host host(dir.path());
  auto content = host.read_file("/missing");
  REQUIRE(content.ok());
  CHECK_FALSE(content->has_value());
  auto info = host.stat("/missing");
  REQUIRE(info.ok());
  CHECK_FALSE(info->has_value());
  CHECK(host.remove("/missing").ok());
}

TEST_CASE("read_file of a directory is an error naming the path") {
  ScratchDir dir;
  kc::Host host(dir.path());
  REQUIRE(host.make_dirs("/etc/kc").ok());
  auto content = host.read_file("/etc/kc");
  REQUIRE_FALSE(content.ok());
  CHECK(content.error().where == (dir / "etc/kc").string());
}
