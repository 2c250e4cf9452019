#include "agent/phases/binary_source.h"

#include <doctest/doctest.h>
#include <sys/stat.h>

#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include "common/core/host.h"
#include "common/core/sha256.h"
#include "scratch_dir.h"

using kc::leader::BinarySource;

namespace {

// `size` bytes no two runs of which repeat: a copy that drops, repeats or reorders a chunk of
// the stream has another digest.
std::string varied_bytes(size_t size, unsigned seed) {
  std::mt19937 random(seed);
  std::string out(size, '\0');
  for (char& c : out) c = static_cast<char>(random() & 0xff);
  return out;
}

mode_t mode_of(const std::filesystem::path& path) {
  struct stat st {};
  REQUIRE(::stat(path.c_str(), &st) == 0);
  return st.st_mode & 07777;
}

// Every change a Host makes, "kind path".
struct Recorded {
  std::vector<std::string> changes;
  explicit Recorded(kc::Host& host) {
    host.set_observer([this](const kc::HostChange& c) {
      static const char* kinds[] = {"write", "set_mode", "remove", "make_dirs", "stage"};
      changes.push_back(std::string(kinds[c.kind]) + " " + c.host_path);
    });
  }
};

constexpr const char* kTarget = "/var/lib/kc/serve/kc-worker-amd64";

}  // namespace

TEST_CASE("a multi-MB binary is hashed by stream, installed where it differs, left where it is") {
  ScratchDir scratch;
  // Larger than any one read (64 KiB) many times over, and not a multiple of it.
  const std::string content = varied_bytes((6 << 20) + 12345, 1);
  scratch.write("src/kc-worker", content);
  std::filesystem::create_directories(scratch / "root");  // a node's root is there
  kc::Host host(scratch / "root");
  Recorded recorded(host);
  BinarySource source((scratch / "src/kc-worker").string(), "read --kc-worker", "hint");

  REQUIRE(source.hash().ok());
  CHECK(source.sha256() == kc::sha256_hex(content));
  CHECK(source.head() == content.substr(0, BinarySource::kHeadSize));  // all it keeps

  auto fresh = source.compare(host, kTarget, 0755);
  REQUIRE(fresh.ok());
  REQUIRE(fresh->has_value());
  CHECK((*fresh)->content);
  CHECK((*fresh)->reason == "new");
  CHECK(recorded.changes.empty());  // comparing changes nothing

  REQUIRE(source.install(host, kTarget, 0755).ok());
  CHECK(scratch.read("root/var/lib/kc/serve/kc-worker-amd64") == content);
  CHECK(mode_of(scratch / "root/var/lib/kc/serve/kc-worker-amd64") == 0755);
  CHECK(recorded.changes == std::vector<std::string>{"make_dirs /var/lib/kc/serve",
                                                     std::string("stage ") + kTarget,
                                                     std::string("write ") + kTarget});
  CHECK(host.leftovers("/var/lib/kc/serve")->empty());

  // In place: nothing differs.
  auto same = source.compare(host, kTarget, 0755);
  REQUIRE(same.ok());
  CHECK_FALSE(same->has_value());

  // Another binary at the source: its content differs, and installing it replaces the old one.
  const std::string newer = varied_bytes((5 << 20) + 7, 2);
  scratch.write("src/kc-worker", newer);
  REQUIRE(source.hash().ok());
  CHECK(source.sha256() == kc::sha256_hex(newer));
  auto differs = source.compare(host, kTarget, 0755);
  REQUIRE(differs.ok());
  REQUIRE(differs->has_value());
  CHECK((*differs)->content);
  CHECK((*differs)->reason == "content differs");
  REQUIRE(source.install(host, kTarget, 0755).ok());
  CHECK(kc::sha256_hex(scratch.read("root/var/lib/kc/serve/kc-worker-amd64")) ==
        kc::sha256_hex(newer));

  // Only the mode differs.
  std::filesystem::permissions(scratch / "root/var/lib/kc/serve/kc-worker-amd64",
                               std::filesystem::perms(0700));
  auto mode = source.compare(host, kTarget, 0755);
  REQUIRE(mode.ok());
  REQUIRE(mode->has_value());
  CHECK_FALSE((*mode)->content);
  CHECK((*mode)->reason == "mode 0700 differs");
}

TEST_CASE("a binary changed between hash() and install() is not installed, and nothing is left") {
  ScratchDir scratch;
  scratch.write("src/kc-worker", varied_bytes(300000, 3));
  kc::Host host(scratch / "root");
  BinarySource source((scratch / "src/kc-worker").string(), "read --kc-worker", "hint");
  REQUIRE(source.hash().ok());
  scratch.write("src/kc-worker", varied_bytes(300000, 4));
  auto installed = source.install(host, kTarget, 0755);
  REQUIRE_FALSE(installed.ok());
  CHECK(installed.error().what == std::string("install ") + kTarget);
  CHECK(installed.error().where == (scratch / "src/kc-worker").string());
  CHECK(installed.error().why == "the file changed while it was copied");
  CHECK_FALSE(std::filesystem::exists(scratch / "root/var/lib/kc/serve/kc-worker-amd64"));
  CHECK(host.leftovers("/var/lib/kc/serve")->empty());
}

TEST_CASE("a missing or non-regular binary is an error naming it, with the caller's hint") {
  ScratchDir scratch;
  std::filesystem::create_directories(scratch / "src/a-directory");
  for (const std::string& file :
       {(scratch / "src/missing").string(), (scratch / "src/a-directory").string()}) {
    CAPTURE(file);
    kc::Host host(scratch / "root");
    Recorded recorded(host);
    BinarySource source(file, "read --kc-worker", "give --kc-worker FILE");
    auto hashed = source.hash();
    REQUIRE_FALSE(hashed.ok());
    CHECK(hashed.error().what == "read --kc-worker");
    CHECK(hashed.error().where == file);
    CHECK(hashed.error().hint == "give --kc-worker FILE");
    CHECK(source.sha256().empty());
    auto installed = source.install(host, kTarget, 0755);
    REQUIRE_FALSE(installed.ok());
    CHECK(installed.error().where == file);
    CHECK(recorded.changes.empty());
    CHECK_FALSE(std::filesystem::exists(scratch / "root/var"));
  }
}
