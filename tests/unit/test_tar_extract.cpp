#include "common/assets/tar_extract.h"

#include <doctest/doctest.h>
#include <fcntl.h>
#include <sys/stat.h>

#include <cstdio>
#include <cstring>
#include <fstream>

#include "common/core/fd.h"
#include "common/core/sha256.h"
#include "scratch_dir.h"
#include "tar_writer.h"

using namespace kc;

namespace {

// The tarball as an open file, as the assets step hands over its staged download.
kc::UniqueFd write_tar(const ScratchDir& dir, const std::string& content,
                       const std::string& name = "a.tar") {
  dir.write(name, content);
  return kc::UniqueFd(::open((dir / name).c_str(), O_RDONLY | O_CLOEXEC));
}

size_t count_entries(const std::filesystem::path& dir) {
  size_t n = 0;
  for ([[maybe_unused]] const auto& e : std::filesystem::recursive_directory_iterator(dir)) ++n;
  return n;
}

}  // namespace

TEST_CASE("member paths: ./ prefixes are dropped; absolute paths and .. are refused") {
  CHECK(*safe_member_path("./bridge") == "bridge");
  CHECK(*safe_member_path("bin/./x") == "bin/x");
  CHECK(*safe_member_path("./") == "");
  CHECK(safe_member_path("/etc/passwd").error().why == "absolute path");
  CHECK_FALSE(safe_member_path("../x").ok());
  CHECK_FALSE(safe_member_path("a/../../x").ok());
  CHECK_FALSE(safe_member_path("a/..").ok());
}

TEST_CASE("symlink targets must stay inside the destination") {
  CHECK(link_stays_inside("x", "y"));
  CHECK(link_stays_inside("a/x", "../y"));
  CHECK(link_stays_inside("a/b/x", "../../y"));
  CHECK_FALSE(link_stays_inside("x", "../y"));
  CHECK_FALSE(link_stays_inside("a/x", "../../y"));
  CHECK_FALSE(link_stays_inside("x", "/etc/passwd"));
  CHECK_FALSE(link_stays_inside("x", ""));
}

TEST_CASE("a tarball is staged beside the final paths and appears only on commit") {
  ScratchDir dir;
  std::filesystem::create_directories(dir / "dest");
  TarWriter tar;
  tar.add("./", '5', "");
  tar.add("./bridge", '0', "bridge binary");
  tar.add("./sub/tool", '0', "tool");
  tar.add("./same", '1', "", "./bridge");
  tar.add("./alias", '2', "", "bridge");
  const auto tarball = write_tar(dir, tar.finish());
  Host host(dir.path());
  {
    auto staged = stage_tarball(host, tarball.get(), "/dest", "cni", "https://x/cni.tgz");
    REQUIRE_MESSAGE(staged.ok(), staged.error().message());
    CHECK(staged->entries().size() == 4);
    CHECK(staged->entries()[1].host_path == "/dest/sub/tool");
    CHECK_FALSE(std::filesystem::exists(dir / "dest/bridge"));
    REQUIRE(staged->commit(0755).ok());
    CHECK(staged->entries()[0].sha256 == sha256_hex("bridge binary"));
  }
  CHECK(dir.read("dest/bridge") == "bridge binary");
  CHECK(dir.read("dest/sub/tool") == "tool");
  CHECK(dir.read("dest/same") == "bridge binary");
  CHECK(std::filesystem::read_symlink(dir / "dest/alias") == "bridge");
  struct stat st {};
  REQUIRE(::stat((dir / "dest/bridge").c_str(), &st) == 0);
  CHECK((st.st_mode & 07777) == 0755);
  CHECK(count_entries(dir / "dest") == 5);  // no temporaries left
}

TEST_CASE("an uncommitted extraction leaves nothing behind") {
  ScratchDir dir;
  std::filesystem::create_directories(dir / "dest");
  TarWriter tar;
  tar.add("bridge", '0', "x");
  const auto tarball = write_tar(dir, tar.finish());
  Host host(dir.path());
  {
    auto staged = stage_tarball(host, tarball.get(), "/dest", "cni", "https://x/cni.tgz");
    REQUIRE(staged.ok());
  }
  CHECK(count_entries(dir / "dest") == 0);
}

TEST_CASE("one unsafe entry refuses the whole tarball") {
  struct Case {
    const char* name;
    char type;
    const char* link;
    const char* why;
  };
  const Case cases[] = {
      {"../escaped", '0', "", "path contains \"..\""},
      {"/etc/evil", '0', "", "absolute path"},
      {"evil", '2', "../../etc/passwd", "points outside"},
      {"evil", '2', "/etc/passwd", "points outside"},
      {"evil", '1', "/etc/passwd", "refused hard link"},
      {"evil", '3', "", "not a file, directory or link"},  // a character device
  };
  for (const auto& c : cases) {
    CAPTURE(c.name);
    ScratchDir dir;
    std::filesystem::create_directories(dir / "dest");
    TarWriter tar;
    tar.add("good", '0', "fine");
    tar.add(c.name, c.type, "", c.link);
    const auto tarball = write_tar(dir, tar.finish());
    Host host(dir.path());
    auto staged = stage_tarball(host, tarball.get(), "/dest", "cni-plugins", "https://x/c.tgz");
    REQUIRE_FALSE(staged.ok());
    CHECK_MESSAGE(staged.error().message().find(c.why) != std::string::npos,
                  staged.error().message());
    CHECK(staged.error().hint == "nothing was installed for cni-plugins");
    CHECK(count_entries(dir / "dest") == 0);
    CHECK_FALSE(std::filesystem::exists(dir / "escaped"));
  }
}

TEST_CASE("a file that is not a tarball is reported") {
  ScratchDir dir;
  std::filesystem::create_directories(dir / "dest");
  const auto tarball = write_tar(dir, std::string(2000, 'x'), "a.tgz");
  Host host(dir.path());
  auto staged = stage_tarball(host, tarball.get(), "/dest", "crictl", "https://x/crictl.tgz");
  REQUIRE_FALSE(staged.ok());
  CHECK(staged.error().what == "extract crictl");
  CHECK(staged.error().where == "https://x/crictl.tgz");
}

TEST_CASE("a directory in the tarball that is a symlink on the host refuses the entry") {
  ScratchDir dir;
  std::filesystem::create_directories(dir / "dest");
  std::filesystem::create_directories(dir / "elsewhere");
  std::filesystem::create_directory_symlink(dir / "elsewhere", dir / "dest/sub");
  TarWriter tar;
  tar.add("sub/x", '0', "through the link");
  const auto tarball = write_tar(dir, tar.finish());
  Host host(dir.path());
  auto staged = stage_tarball(host, tarball.get(), "/dest", "cni", "https://x/cni.tgz");
  REQUIRE_FALSE(staged.ok());
  CHECK(staged.error().why.find("its directory is a symlink") != std::string::npos);
  CHECK(count_entries(dir / "elsewhere") == 0);
}

TEST_CASE("every file the extraction puts in place is seen by the host's observer") {
  ScratchDir dir;
  std::filesystem::create_directories(dir / "dest");
  TarWriter tar;
  tar.add("a", '0', "1");
  tar.add("b", '2', "", "a");
  const auto tarball = write_tar(dir, tar.finish());
  Host host(dir.path());
  std::vector<std::string> written;
  host.set_observer([&](const HostChange& c) {
    if (c.kind == HostChange::write) written.push_back(c.host_path);
  });
  auto staged = stage_tarball(host, tarball.get(), "/dest", "cni", "https://x/cni.tgz");
  REQUIRE(staged.ok());
  CHECK(written.empty());
  REQUIRE(staged->commit(0755).ok());
  CHECK(written == std::vector<std::string>{"/dest/a", "/dest/b"});
}
