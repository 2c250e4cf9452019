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

namespace {

// Extracts an archive under a scratch root into /dest; the error, if refused.
struct Extraction {
  ScratchDir dir;
  Host host{dir.path()};
  Result<StagedExtraction> run(const std::string& tar,
                               std::uint64_t max_bytes = kMaxExtractedBytes) {
    std::filesystem::create_directories(dir / "dest");
    const auto tarball = write_tar(dir, tar);
    return stage_tarball(host, tarball.get(), "/dest", "cni", "https://x/cni.tgz", max_bytes);
  }
};

std::string why_refused(const Result<StagedExtraction>& staged) {
  return staged ? std::string("(accepted)") : staged.error().why;
}

}  // namespace

TEST_CASE(
    "a symlink through another link of the archive is followed: a two-hop escape is refused") {
  Extraction x;
  TarWriter tar;
  tar.add("bridge", '0', "fine");
  tar.add("s1/s2/b", '2', "", "../..");
  tar.add("s1/s2/d", '2', "", "b/../../../etc");
  // Each link on its own stays inside.
  CHECK(link_stays_inside("s1/s2/b", "../.."));
  CHECK(link_stays_inside("s1/s2/d", "b/../../../etc"));
  auto staged = x.run(tar.finish());
  REQUIRE_FALSE(staged.ok());
  CHECK_MESSAGE(why_refused(staged).find("refused symlink \"s1/s2/d\"") != std::string::npos,
                why_refused(staged));
  CHECK(why_refused(staged).find("points outside /dest") != std::string::npos);
  CHECK(count_entries(x.dir / "dest") == 0);  // not even s1/ was created
}

TEST_CASE("a three-hop chain escaping only with all three links is refused") {
  Extraction x;
  TarWriter tar;
  tar.add("x/y/z/l1", '2', "", "../..");  // -> x
  tar.add("x/y/z/l2", '2', "", "l1/..");  // -> the destination itself: still inside
  tar.add("x/y/z/l3", '2', "", "l2/..");  // -> outside
  auto staged = x.run(tar.finish());
  REQUIRE_FALSE(staged.ok());
  CHECK_MESSAGE(why_refused(staged).find("\"x/y/z/l3\"") != std::string::npos, why_refused(staged));
  CHECK(count_entries(x.dir / "dest") == 0);
}

TEST_CASE("a chain of links that stays inside is extracted") {
  Extraction x;
  TarWriter tar;
  tar.add("c/real", '0', "content");
  tar.add("a/b/l1", '2', "", "../../c");
  tar.add("a/b/l2", '2', "", "l1/real");
  tar.add("top", '2', "", "a/b/l2");
  auto staged = x.run(tar.finish());
  REQUIRE_MESSAGE(staged.ok(), staged.error().message());
  REQUIRE(staged->commit(0755).ok());
  CHECK(x.dir.read("dest/top") == "content");
}

TEST_CASE("a symlink loop in the archive is refused") {
  Extraction x;
  TarWriter tar;
  tar.add("a", '2', "", "b/x");
  tar.add("b", '2', "", "a/x");
  auto staged = x.run(tar.finish());
  CHECK(why_refused(staged).find("symlink loop") != std::string::npos);
}

TEST_CASE("a symlink through a symlink already on the host is refused") {
  Extraction x;
  std::filesystem::create_directories(x.dir / "dest");
  std::filesystem::create_directory_symlink("..", x.dir / "dest/up");
  TarWriter tar;
  tar.add("l", '2', "", "up/etc");
  auto staged = x.run(tar.finish());
  CHECK(why_refused(staged).find("a symlink already on the host") != std::string::npos);
}

TEST_CASE("a member below a symlink of the same archive is refused before anything is staged") {
  Extraction x;
  TarWriter tar;
  tar.add("bridge", '0', "bridge binary");
  tar.add("d", '2', "", ".");
  tar.add("d/x", '0', "through the link");
  auto staged = x.run(tar.finish());
  REQUIRE_FALSE(staged.ok());
  CHECK_MESSAGE(why_refused(staged).find("its directory \"d\" is a symlink in the archive") !=
                    std::string::npos,
                why_refused(staged));
  CHECK(count_entries(x.dir / "dest") == 0);  // bridge was not put in place, no temporaries
}

TEST_CASE("a directory entry below a symlink on the host creates nothing outside the destination") {
  Extraction x;
  std::filesystem::create_directories(x.dir / "dest");
  std::filesystem::create_directories(x.dir / "elsewhere");
  std::filesystem::create_directory_symlink("../elsewhere", x.dir / "dest/sub");
  TarWriter tar;
  tar.add("sub/made/", '5', "");
  tar.add("sub/made/deeper/", '5', "");
  auto staged = x.run(tar.finish());
  REQUIRE_FALSE(staged.ok());
  CHECK(why_refused(staged).find("symlink") != std::string::npos);
  CHECK(count_entries(x.dir / "elsewhere") == 0);
}

TEST_CASE("a commit that fails midway restores what it replaced and removes what it added") {
  Extraction x;
  x.dir.write("dest/bridge", "old bridge");
  TarWriter tar;
  tar.add("bridge", '0', "new bridge");
  tar.add("alias", '2', "", "bridge");
  tar.add("sub/tool", '0', "tool");
  tar.add("zz", '0', "last");
  auto staged = x.run(tar.finish());
  REQUIRE_MESSAGE(staged.ok(), staged.error().message());
  // Between the check and the commit something appears where the last member goes.
  std::filesystem::create_directories(x.dir / "dest/zz/in-the-way");
  auto committed = staged->commit(0755);
  REQUIRE_FALSE(committed.ok());
  CHECK(x.dir.read("dest/bridge") == "old bridge");
  CHECK_FALSE(std::filesystem::exists(std::filesystem::symlink_status(x.dir / "dest/alias")));
  CHECK_FALSE(std::filesystem::exists(x.dir / "dest/sub"));
  CHECK(committed.error().hint.find("restored") != std::string::npos);
  staged->entries().clear();  // drops the staged files
  // Only the old bridge and the directory that was in the way are left: no temporaries.
  CHECK(count_entries(x.dir / "dest") == 3);
}

TEST_CASE("a sparse member keeps its hole: bounded memory, right digest") {
  Extraction x;
  TarWriter tar;
  const unsigned long long size = 8ULL << 20;
  tar.add_sparse("holey", size, size - 1, "!");
  auto staged = x.run(tar.finish());
  REQUIRE_MESSAGE(staged.ok(), staged.error().message());
  REQUIRE(staged->commit(0755).ok());
  struct stat st {};
  REQUIRE(::stat((x.dir / "dest/holey").c_str(), &st) == 0);
  CHECK(static_cast<unsigned long long>(st.st_size) == size);
  CHECK(st.st_blocks * 512 < static_cast<long long>(size) / 4);  // a hole, not 8 MiB of zeros
  CHECK(staged->entries()[0].sha256 == sha256_hex(std::string(size - 1, '\0') + "!"));
}

TEST_CASE("an archive extracting to more than the cap is refused, holes included") {
  {
    Extraction x;
    TarWriter tar;
    tar.add_sparse("holey", 64ULL << 20, (64ULL << 20) - 1, "!");
    auto staged = x.run(tar.finish(), 1 << 20);
    CHECK(why_refused(staged).find("more than 1048576 bytes") != std::string::npos);
    CHECK(count_entries(x.dir / "dest") == 0);
  }
  {  // a 1 TiB hole in a tiny archive: refused at once with the default cap, never allocated
    Extraction x;
    TarWriter tar;
    tar.add_sparse("huge", 1ULL << 40, (1ULL << 40) - 1, "!");
    auto staged = x.run(tar.finish());
    CHECK(why_refused(staged).find("more than") != std::string::npos);
  }
  {  // the cap is on the total, not per member
    Extraction x;
    TarWriter tar;
    tar.add("a", '0', std::string(600, 'a'));
    tar.add("b", '0', std::string(600, 'b'));
    CHECK(why_refused(x.run(tar.finish(), 1000)).find("more than 1000 bytes") != std::string::npos);
  }
}

TEST_CASE("a member that is a directory on the host is refused before anything is staged") {
  Extraction x;
  std::filesystem::create_directories(x.dir / "dest/bridge");
  TarWriter tar;
  tar.add("bridge", '0', "x");
  CHECK(why_refused(x.run(tar.finish())).find("the host has a directory there") !=
        std::string::npos);
}
