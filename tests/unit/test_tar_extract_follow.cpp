#include "common/assets/tar_extract_follow.h"

#include <doctest/doctest.h>
#include <fcntl.h>
#include <unistd.h>

#include <chrono>
#include <thread>

#include "common/core/fd.h"
#include "scratch_dir.h"
#include "tar_writer.h"

using namespace kc;

namespace {

// The download's staged file, written piece by piece as the downloader does (pwrite).
struct Download {
  ScratchDir dir;
  Host host{dir.path()};
  UniqueFd fd;
  Download() {
    std::filesystem::create_directories(dir / "dest");
    fd = UniqueFd(::open((dir / "download").c_str(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600));
  }
  void write(const std::string& data, size_t at = 0) const {
    REQUIRE(::pwrite(fd.get(), data.data(), data.size(), static_cast<off_t>(at)) ==
            static_cast<ssize_t>(data.size()));
  }
  size_t staged_files() const { return host.leftovers("/dest")->size(); }
  // Waits (at most 5 s) until the extraction has staged `n` files.
  bool wait_for_staged(size_t n) const {
    const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (staged_files() < n) {
      if (std::chrono::steady_clock::now() > until) return false;
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    return true;
  }
};

std::string two_members() {
  TarWriter tar;
  tar.add("./bridge", '0', std::string(200000, 'b'));
  tar.add("./loopback", '0', std::string(100000, 'l'));
  return tar.finish();
}

}  // namespace

TEST_CASE("the extraction follows the written prefix: members are staged before the end") {
  Download d;
  const std::string tar = two_members();
  FollowingExtraction following(d.host, d.fd.get(), "/dest", "cni", "https://x/cni.tgz");
  const size_t part = 250000;  // all of bridge, part of loopback
  d.write(tar.substr(0, part));
  following.grew(part);
  // Both members are being staged while the last bytes have not arrived.
  REQUIRE(d.wait_for_staged(2));
  CHECK_FALSE(std::filesystem::exists(d.dir / "dest/bridge"));
  d.write(tar.substr(part), part);
  following.grew(tar.size());
  auto staged = following.finish(tar.size());
  REQUIRE_MESSAGE(staged.ok(), staged.error().message());
  CHECK_FALSE(std::filesystem::exists(d.dir / "dest/bridge"));  // staged, not committed
  REQUIRE(staged->commit(0755).ok());
  CHECK(d.dir.read("dest/bridge") == std::string(200000, 'b'));
  CHECK(d.dir.read("dest/loopback") == std::string(100000, 'l'));
  CHECK(d.staged_files() == 0);
}

TEST_CASE("an abandoned extraction (a failed download) removes everything it staged") {
  Download d;
  const std::string tar = two_members();
  FollowingExtraction following(d.host, d.fd.get(), "/dest", "cni", "https://x/cni.tgz");
  d.write(tar.substr(0, 250000));
  following.grew(250000);
  REQUIRE(d.wait_for_staged(2));
  following.abandon();
  CHECK(d.staged_files() == 0);
  CHECK(std::filesystem::is_empty(d.dir / "dest"));
}

TEST_CASE("a download that started over is extracted again: what is extracted is the final file") {
  Download d;
  TarWriter first;
  first.add("./bridge", '0', std::string(200000, 'x'));  // what the first attempt wrote
  first.add("./evil", '0', std::string(100000, 'e'));
  const std::string before = first.finish();
  const std::string tar = two_members();
  FollowingExtraction following(d.host, d.fd.get(), "/dest", "cni", "https://x/cni.tgz");
  d.write(before.substr(0, 250000));
  following.grew(250000);
  REQUIRE(d.wait_for_staged(1));
  following.grew(0);  // the server ignored a Range request: the file is written from zero
  d.write(tar);
  REQUIRE(::ftruncate(d.fd.get(), static_cast<off_t>(tar.size())) == 0);
  following.grew(tar.size());
  auto staged = following.finish(tar.size());
  REQUIRE_MESSAGE(staged.ok(), staged.error().message());
  REQUIRE(staged->commit(0755).ok());
  CHECK(d.dir.read("dest/bridge") == std::string(200000, 'b'));
  CHECK(d.dir.read("dest/loopback") == std::string(100000, 'l'));
  CHECK_FALSE(std::filesystem::exists(d.dir / "dest/evil"));
  CHECK(d.staged_files() == 0);
}

TEST_CASE("a hostile archive followed while it downloads is refused as a whole, nothing staged") {
  Download d;
  TarWriter tar;
  tar.add("./bridge", '0', std::string(100000, 'b'));
  tar.add("./s1/s2/b", '2', "", "../..");
  tar.add("./s1/s2/d", '2', "", "b/../../../etc");
  const std::string bytes = tar.finish();
  FollowingExtraction following(d.host, d.fd.get(), "/dest", "cni", "https://x/cni.tgz");
  d.write(bytes.substr(0, 50000));
  following.grew(50000);
  d.write(bytes.substr(50000), 50000);
  following.grew(bytes.size());
  auto staged = following.finish(bytes.size());
  REQUIRE_FALSE(staged.ok());
  CHECK_MESSAGE(staged.error().message().find("refused symlink") != std::string::npos,
                staged.error().message());
  CHECK(d.staged_files() == 0);
  CHECK(std::filesystem::is_empty(d.dir / "dest"));
}

TEST_CASE("a download shorter than its prefix said is an error, not a hang") {
  Download d;
  const std::string tar = two_members();
  FollowingExtraction following(d.host, d.fd.get(), "/dest", "cni", "https://x/cni.tgz");
  d.write(tar.substr(0, 1000));
  following.grew(tar.size());  // more than the file holds
  auto staged = following.finish(tar.size());
  REQUIRE_FALSE(staged.ok());
  CHECK_MESSAGE(staged.error().message().find("shorter") != std::string::npos,
                staged.error().message());
  CHECK(d.staged_files() == 0);
}
