#include "common/assets/catalog.h"

#include <doctest/doctest.h>

#include <stdexcept>

using namespace kc;

namespace {

const char* kOneArtifact = R"({"artifacts": [{
  "name": "tool", "kind": "tarball", "version": "kubernetes",
  "url": "https://example.test/v{version}/{arch}/tool-{version}.tgz", "destination": "/opt/bin",
  "sha256": {"amd64": {"1.2.3": "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"}}
}]})";

}  // namespace

TEST_CASE("the built-in catalog pins every default artifact for both architectures") {
  const Catalog& catalog = builtin_catalog();
  REQUIRE(catalog.entries.size() == 5);
  for (const char* arch : {"amd64", "arm64"}) {
    for (const char* version : {"1.36.3", "1.35.7", "1.34.4", "1.33.8"}) {
      auto artifacts = resolve(catalog, {version, arch, "", false});
      REQUIRE(artifacts.ok());
      CHECK(artifacts->size() == 5);
      for (const auto& a : *artifacts) CHECK(a.sha256.has_value());
    }
  }
  auto artifacts = resolve(catalog, {"1.36.3", "amd64", "", false});
  REQUIRE(artifacts.ok());
  CHECK((*artifacts)[1].name == "kubelet");
  CHECK((*artifacts)[1].url == "https://dl.k8s.io/release/v1.36.3/bin/linux/amd64/kubelet");
  CHECK(*(*artifacts)[1].sha256 ==
        "46707a53209f826ad0f0d62371ac69cd00e78fd9a8176cf5f6f87f18f7f8b718");
  CHECK((*artifacts)[3].url ==
        "https://github.com/kubernetes-sigs/cri-tools/releases/download/v1.35.0/"
        "crictl-v1.35.0-linux-amd64.tar.gz");
  CHECK((*artifacts)[4].destination == "/opt/cni/bin");
  CHECK((*artifacts)[4].kind == ArtifactKind::tarball);
}

TEST_CASE("an unpinned version is refused unless allowed") {
  auto refused = resolve(builtin_catalog(), {"1.37.0", "amd64", "", false});
  REQUIRE_FALSE(refused.ok());
  CHECK(refused.error().message().find("kubeadm 1.37.0") != std::string::npos);
  CHECK(refused.error().message().find("--allow-unpinned") != std::string::npos);
  auto allowed = resolve(builtin_catalog(), {"1.37.0", "amd64", "", true});
  REQUIRE(allowed.ok());
  CHECK_FALSE((*allowed)[0].sha256.has_value());
  CHECK((*allowed)[3].sha256.has_value());  // crictl's version is fixed and pinned
}

TEST_CASE("plain http is refused for an unpinned artifact, also with --allow-unpinned") {
  auto unpinned = resolve(builtin_catalog(), {"1.37.0", "amd64", "http://mirror.test", true});
  REQUIRE_FALSE(unpinned.ok());
  CHECK(unpinned.error().why.find("plain http without a pinned digest") != std::string::npos);
  CHECK(unpinned.error().where.rfind("http://mirror.test/", 0) == 0);
  // Pinned, the digest still authenticates it (the assets step warns that it is not private).
  auto pinned = resolve(builtin_catalog(), {"1.36.3", "amd64", "http://mirror.test", false});
  REQUIRE(pinned.ok());
  CHECK((*pinned)[0].url.rfind("http://mirror.test/", 0) == 0);
}

TEST_CASE("a catalog file is parsed and its patterns resolved") {
  auto catalog = parse_catalog(kOneArtifact, "test.json");
  REQUIRE(catalog.ok());
  auto artifacts = resolve(*catalog, {"1.2.3", "amd64", "", false});
  REQUIRE(artifacts.ok());
  REQUIRE(artifacts->size() == 1);
  const Artifact& a = (*artifacts)[0];
  CHECK(a.url == "https://example.test/v1.2.3/amd64/tool-1.2.3.tgz");
  CHECK(a.kind == ArtifactKind::tarball);
  CHECK(*a.sha256 == std::string(64, 'a'));  // normalised to lower case
}

TEST_CASE("invalid catalogs are refused with the reason") {
  auto expect_error = [](const std::string& json, const std::string& why) {
    auto catalog = parse_catalog(json, "bad.json");
    REQUIRE_FALSE(catalog.ok());
    CHECK(catalog.error().message().find("bad.json") != std::string::npos);
    CHECK_MESSAGE(catalog.error().message().find(why) != std::string::npos,
                  catalog.error().message());
  };
  expect_error("{", "not valid JSON");
  expect_error("[]", "\"artifacts\" array");
  expect_error(R"({"artifacts": []})", "no artifacts");
  expect_error(R"({"artifacts": [{"name": "x", "kind": "zip", "version": "1.0.0",
      "url": "https://e/x", "destination": "/opt/bin"}]})",
               "\"kind\"");
  expect_error(R"({"artifacts": [{"name": "x", "kind": "binary", "version": "latest",
      "url": "https://e/x", "destination": "/opt/bin"}]})",
               "\"version\"");
  expect_error(R"({"artifacts": [{"name": "x", "kind": "binary", "version": "1.0.0",
      "url": "ftp://e/x", "destination": "/opt/bin"}]})",
               "\"url\"");
  expect_error(R"({"artifacts": [{"name": "x", "kind": "binary", "version": "1.0.0",
      "url": "https://e/x", "destination": "/opt/../etc"}]})",
               "\"destination\"");
  expect_error(R"({"artifacts": [{"name": "x", "kind": "binary", "version": "1.0.0",
      "url": "https://e/x", "destination": "/opt/bin", "sha256": {"amd64": {"1.0.0": "12"}}}]})",
               "64 hex digits");
  expect_error(R"({"artifacts": [
      {"name": "x", "kind": "binary", "version": "1.0.0", "url": "https://e/x", "destination": "/o"},
      {"name": "x", "kind": "binary", "version": "1.0.0", "url": "https://e/x", "destination": "/o"}]})",
               "appears twice");
  for (const char* size : {"0", "-1", "1.5", "\"80MB\"", "1073741825"}) {
    expect_error(std::string(R"({"artifacts": [{"name": "x", "kind": "binary", "version": "1.0.0",
      "url": "https://e/x", "destination": "/opt/bin", "max_size": )") +
                     size + "}]}",
                 "\"max_size\" must be a number of bytes from 1 to 1073741824");
  }
}

TEST_CASE("max_size: a catalog's bound reaches the artifact; the built-in one bounds each") {
  auto catalog = parse_catalog(R"({"artifacts": [
      {"name": "x", "kind": "binary", "version": "1.0.0", "url": "https://e/x",
       "destination": "/o", "max_size": 1000},
      {"name": "y", "kind": "binary", "version": "1.0.0", "url": "https://e/y",
       "destination": "/o"}]})",
                               "sizes.json");
  REQUIRE(catalog.ok());
  auto artifacts = resolve(*catalog, {"1.36.3", "amd64", "", true});
  REQUIRE(artifacts.ok());
  CHECK((*artifacts)[0].max_size == 1000u);
  CHECK_FALSE((*artifacts)[1].max_size.has_value());  // the downloader's default cap applies

  auto builtin = resolve(builtin_catalog(), {"1.36.3", "arm64", "", false});
  REQUIRE(builtin.ok());
  for (const auto& a : *builtin) {
    REQUIRE_MESSAGE(a.max_size.has_value(), a.name);
    // Below the general cap, and far above any release so far (kubelet, the largest: ~80 MB).
    CHECK_MESSAGE(*a.max_size < (uint64_t{1} << 30), a.name);
    CHECK_MESSAGE(*a.max_size >= (a.name == "crictl" ? 64u : 128u) << 20, a.name);
  }
}

TEST_CASE("size: a catalog's exact sizes reach the artifact of that arch and version only") {
  auto catalog = parse_catalog(R"({"artifacts": [
      {"name": "x", "kind": "binary", "version": "kubernetes", "url": "https://e/x",
       "destination": "/o", "max_size": 1000,
       "size": {"amd64": {"1.36.3": 1000, "1.35.7": 7}, "arm64": {"1.36.3": 12}}}]})",
                               "sizes.json");
  REQUIRE_MESSAGE(catalog.ok(), catalog.error().message());
  auto amd64 = resolve(*catalog, {"1.36.3", "amd64", "", true});
  REQUIRE(amd64.ok());
  CHECK((*amd64)[0].size == 1000u);
  auto arm64 = resolve(*catalog, {"1.36.3", "arm64", "", true});
  REQUIRE(arm64.ok());
  CHECK((*arm64)[0].size == 12u);
  auto unknown = resolve(*catalog, {"1.34.4", "amd64", "", true});
  REQUIRE(unknown.ok());
  CHECK_FALSE((*unknown)[0].size.has_value());  // max_size alone bounds it

  // The built-in catalog knows no exact size: its sources record digests only.
  auto builtin = resolve(builtin_catalog(), {"1.36.3", "amd64", "", false});
  REQUIRE(builtin.ok());
  for (const auto& a : *builtin) CHECK_FALSE_MESSAGE(a.size.has_value(), a.name);

  auto expect_error = [](const std::string& size, const std::string& why) {
    auto bad = parse_catalog(R"({"artifacts": [{"name": "x", "kind": "binary", "version": "1.0.0",
        "url": "https://e/x", "destination": "/opt/bin", "max_size": 1000, "size": )" +
                                 size + "}]}",
                             "bad.json");
    REQUIRE_FALSE(bad.ok());
    CHECK_MESSAGE(bad.error().message().find(why) != std::string::npos, bad.error().message());
    CHECK(bad.error().message().find("bad.json") != std::string::npos);
  };
  expect_error("7", "\"size\" must map arch to {version: bytes}");
  expect_error(R"({"amd64": 7})", "\"size\".amd64 must map version to bytes");
  for (const char* bytes : {"0", "-1", "1.5", "\"7\"", "1001"}) {
    expect_error(std::string(R"({"amd64": {"1.0.0": )") + bytes + "}}",
                 "\"size\".amd64.1.0.0 must be a number of bytes from 1 to 1000 (its max_size)");
  }
}

TEST_CASE("every artifact name is a plain file name, tarballs' too") {
  // A tarball's name reaches the temporary file name: "/../../x" put one outside the destination.
  for (const char* kind : {"tarball", "binary"}) {
    for (const char* name : {"/../../x", "a/b", "..", ".hidden", "x y", "", "k\\u00e9"}) {
      CAPTURE(kind);
      CAPTURE(name);
      const std::string json =
          std::string(R"({"artifacts": [{"name": ")") + name + R"(", "kind": ")" + kind +
          R"(", "version": "1.0.0", "url": "https://e/x", "destination": "/o"}]})";
      auto catalog = parse_catalog(json, "bad.json");
      REQUIRE_FALSE(catalog.ok());
      CHECK(catalog.error().why.find("name") != std::string::npos);
    }
  }
  CHECK(is_artifact_name("cni-plugins"));
  CHECK(is_artifact_name("kubelet_1.36.3"));
  for (const auto& e : builtin_catalog().entries) CHECK(is_artifact_name(e.name));
}

TEST_CASE("a mirror keeps the upstream path") {
  CHECK(*rewrite_to_mirror("https://dl.k8s.io/release/v1/kubelet", "https://m.test:8443") ==
        "https://m.test:8443/release/v1/kubelet");
  CHECK(*rewrite_to_mirror("https://dl.k8s.io/release/v1/kubelet", "https://m.test/k8s/") ==
        "https://m.test/k8s/release/v1/kubelet");
  CHECK_FALSE(rewrite_to_mirror("https://dl.k8s.io/x", "m.test").ok());
  auto artifacts = resolve(builtin_catalog(), {"1.36.3", "arm64", "https://127.0.0.1:9/m", false});
  REQUIRE(artifacts.ok());
  CHECK((*artifacts)[4].url ==
        "https://127.0.0.1:9/m/containernetworking/plugins/releases/download/v1.9.1/"
        "cni-plugins-linux-arm64-v1.9.1.tgz");
}

TEST_CASE("published .sha256 files: bare digest or sha256sum format") {
  const std::string hex = "46707a53209f826ad0f0d62371ac69cd00e78fd9a8176cf5f6f87f18f7f8b718";
  CHECK(*parse_sha256_file(hex, "u") == hex);
  CHECK(*parse_sha256_file(hex + "\n", "u") == hex);
  CHECK(*parse_sha256_file(hex + "  kubelet\n", "u") == hex);
  std::string upper = hex;
  for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  CHECK(*parse_sha256_file(upper, "u") == hex);
  CHECK_FALSE(parse_sha256_file("", "u").ok());
  CHECK_FALSE(parse_sha256_file("<html>Not Found</html>", "u").ok());
  CHECK_FALSE(parse_sha256_file(hex.substr(1), "u").ok());
}

TEST_CASE("a built-in catalog that does not parse is a program error, not an empty catalog") {
  CHECK_THROWS_AS(parse_builtin_catalog("{\"artifacts\": [{\"name\": \"x\"}"), std::logic_error);
  CHECK_THROWS_WITH(parse_builtin_catalog("{\"artifacts\": []}"),
                    doctest::Contains("built-in catalog"));
  CHECK_THROWS_WITH(parse_builtin_catalog("{\"artifacts\": []}"), doctest::Contains("a bug in kc"));
  CHECK_FALSE(builtin_catalog().entries.empty());  // the real one parses
}
