#include "common/assets/tar_extract.h"

#include <doctest/doctest.h>
#include <sys/stat.h>

#include <cstdio>
#include <cstring>
#include <fstream>

#include "common/core/sha256.h"
#include "scratch_dir.h"

using namespace kc;

namespace {

// A minimal ustar writer, so the tests control every header field (Python's tarfile is used for
// the integration tests' tarballs).
struct TarWriter {
  std::string out;
  void add(const std::string& name, char type, const std::string& body,
           const std::string& link = "") {
    char h[512] = {0};
    std::snprintf(h, 100, "%s", name.c_str());
    std::snprintf(h + 100, 8, "%07o", 0644);
    std::snprintf(h + 108, 8, "%07o", 0);
    std::snprintf(h + 116, 8, "%07o", 0);
    std::snprintf(h + 124, 12, "%011o", static_cast<unsigned>(body.size()));
    std::snprintf(h + 136, 12, "%011o", 0);
    h[156] = type;
    std::snprintf(h + 157, 100, "%s", link.c_str());
    std::memcpy(h + 257, "ustar", 6);
    std::memcpy(h + 263, "00", 2);
    std::memset(h + 148, ' ', 8);
    unsigned sum = 0;
    for (unsigned char c : h) sum += c;
    std::snprintf(h + 148, 8, "%06o", sum);
    out.append(h, 512);
    out += body;
    out.append((512 - body.size() % 512) % 512, '\0');
  }
  std::string finish() { return out + std::string(1024, '\0'); }
};

std::filesystem::path write_tar(const ScratchDir& dir, const std::string& content) {
  dir.write("a.tar", content);
  return dir / "a.tar";
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
  {
    auto staged = stage_tarball(tarball, dir / "dest", 0755, "cni");
    REQUIRE_MESSAGE(staged.ok(), staged.error().message());
    CHECK(staged->files().size() == 4);
    CHECK_FALSE(std::filesystem::exists(dir / "dest/bridge"));
    REQUIRE(staged->commit().ok());
    CHECK(staged->files()[0].sha256 == sha256_hex("bridge binary"));
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
  {
    auto staged = stage_tarball(tarball, dir / "dest", 0755, "cni");
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
    auto staged = stage_tarball(tarball, dir / "dest", 0755, "cni-plugins");
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
  dir.write("a.tgz", std::string(2000, 'x'));
  auto staged = stage_tarball(dir / "a.tgz", dir / "dest", 0755, "crictl");
  REQUIRE_FALSE(staged.ok());
  CHECK(staged.error().what == "extract crictl");
}
