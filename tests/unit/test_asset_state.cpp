#include "common/assets/asset_state.h"

#include <doctest/doctest.h>
#include <sys/stat.h>
#include <unistd.h>

#include "scratch_dir.h"

using namespace kc;

TEST_CASE("the asset state survives a round trip") {
  AssetState state;
  state.artifacts["kubelet"] = InstalledArtifact{
      "https://m/kubelet",
      std::string(64, 'a'),
      {InstalledFile{"/opt/bin/kubelet", std::string(64, 'b'), 42, 7, 1700000000123456789, 5}}};
  auto parsed = parse_asset_state(to_json(state));
  REQUIRE(parsed.ok());
  const auto& a = parsed->artifacts.at("kubelet");
  CHECK(a.source == "https://m/kubelet");
  CHECK(a.sha256 == std::string(64, 'a'));
  REQUIRE(a.files.size() == 1);
  CHECK(a.files[0].path == "/opt/bin/kubelet");
  CHECK(a.files[0].size == 42);
  CHECK(a.files[0].inode == 7);
  CHECK(a.files[0].mtime_ns == 1700000000123456789);
  CHECK(a.files[0].ctime_ns == 5);
}

TEST_CASE("a damaged state file is refused, not half-trusted") {
  CHECK_FALSE(parse_asset_state("").ok());
  CHECK_FALSE(parse_asset_state("{\"artifacts\": []}").ok());
  CHECK_FALSE(parse_asset_state(R"({"artifacts": {"k": {"source": "u"}}})").ok());
  CHECK_FALSE(parse_asset_state(R"({"artifacts": {"k": {"source": "u", "sha256": "x", "files": [
      {"path": "relative", "sha256": "x", "size": 1, "inode": 1, "mtime_ns": 1, "ctime_ns": 1}]}}})")
                  .ok());
  auto empty = parse_asset_state(R"({"artifacts": {}})");
  REQUIRE(empty.ok());
  CHECK(empty->artifacts.empty());
}

TEST_CASE("a recorded stat matches until the file is rewritten, replaced or re-moded") {
  ScratchDir dir;
  const auto path = dir / "kubelet";
  dir.write("kubelet", "binary");
  REQUIRE(::chmod(path.c_str(), 0755) == 0);
  struct stat st {};
  REQUIRE(::stat(path.c_str(), &st) == 0);
  InstalledFile file{"/opt/bin/kubelet", std::string(64, 'a'), 0, 0, 0, 0};
  record_stat(file, st);
  CHECK(stat_matches(file, st));

  usleep(10000);                   // let the clock move past the recorded timestamps
  dir.write("kubelet", "binarX");  // same size, rewritten in place
  REQUIRE(::stat(path.c_str(), &st) == 0);
  CHECK_FALSE(stat_matches(file, st));

  record_stat(file, st);
  dir.write("kubelet.new", "binarX");
  REQUIRE(::chmod((dir / "kubelet.new").c_str(), 0755) == 0);
  std::filesystem::rename(dir / "kubelet.new", path);  // replaced: a new inode
  REQUIRE(::stat(path.c_str(), &st) == 0);
  CHECK_FALSE(stat_matches(file, st));

  record_stat(file, st);
  REQUIRE(::chmod(path.c_str(), 0700) == 0);
  REQUIRE(::stat(path.c_str(), &st) == 0);
  CHECK_FALSE(stat_matches(file, st));
}

TEST_CASE("a state with bytes that are not UTF-8 is written without throwing") {
  AssetState state;
  state.artifacts["kubelet"] =
      InstalledArtifact{"https://m\xff\xfe/kubelet",
                        std::string(64, 'a'),
                        {InstalledFile{"/opt/bin/kubelet", std::string(64, 'b'), 42, 7, 1, 5}}};
  std::string text;
  CHECK_NOTHROW(text = to_json(state));
  auto parsed = parse_asset_state(text);
  REQUIRE(parsed.ok());
  CHECK(parsed->artifacts.at("kubelet").source == "https://m\xef\xbf\xbd\xef\xbf\xbd/kubelet");
}
