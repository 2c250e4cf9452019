#include "common/join/join_file.h"

#include <doctest/doctest.h>
#include <sys/stat.h>

#include <nlohmann/json.hpp>

#include "common/join/kc_serve.h"
#include "scratch_dir.h"

using namespace kc;
using namespace kc::join;
using nlohmann::json;

namespace {

const std::string kToken = "abcdef.0123456789abcdef";
const std::string kHash = "sha256:" + std::string(64, 'a');

JoinFile sample() {
  JoinFile join;
  join.api_server_endpoint = "10.0.0.10:6443";
  join.token = Secret(kToken);
  join.ca_cert_hashes = {kHash};
  join.kubernetes_version = "1.36.3";
  join.cluster_name = "toil";
  join.pod_subnet = "10.244.0.0/16";
  return join;
}

json sample_json() {
  return json::parse(to_json(sample()));
}

// The error of parsing `doc` (which must fail).
Error parse_error(const json& doc) {
  auto parsed = parse_join_file(doc.dump(), "/etc/kc/join.json");
  REQUIRE_FALSE(parsed.ok());
  return parsed.error();
}

mode_t mode_of(const std::filesystem::path& path) {
  struct stat st {};
  REQUIRE(::stat(path.c_str(), &st) == 0);
  return st.st_mode & 07777;
}

}  // namespace

TEST_CASE("the join file round-trips through its parser") {
  const std::string text = to_json(sample());
  auto parsed = parse_join_file(text);
  REQUIRE(parsed.ok());
  CHECK(parsed->api_server_endpoint == "10.0.0.10:6443");
  CHECK(parsed->token.reveal() == kToken);
  CHECK(parsed->ca_cert_hashes == std::vector<std::string>{kHash});
  CHECK(parsed->kubernetes_version == "1.36.3");
  CHECK(parsed->cluster_name == "toil");
  CHECK(parsed->pod_subnet == "10.244.0.0/16");
  CHECK(to_json(*parsed) == text);
}

TEST_CASE("the join file is the documented, versioned object") {
  const json doc = sample_json();
  CHECK(doc["version"] == 1);
  CHECK(doc["apiServerEndpoint"] == "10.0.0.10:6443");
  CHECK(doc["token"] == kToken);
  CHECK(doc["caCertHashes"] == json::array({kHash}));
  CHECK(doc["kubernetesVersion"] == "1.36.3");
  CHECK(doc["clusterName"] == "toil");
  CHECK(doc["podSubnet"] == "10.244.0.0/16");
  CHECK(doc.size() == 7);
}

TEST_CASE("the redacted form hides the token and only the token") {
  const std::string text = to_json(sample(), true);
  CHECK(text.find(kToken) == std::string::npos);
  CHECK(text.find("0123456789abcdef") == std::string::npos);
  CHECK(json::parse(text)["token"] == "<redacted>");
  CHECK(json::parse(text)["apiServerEndpoint"] == "10.0.0.10:6443");
}

TEST_CASE("a missing field is refused, naming the file and the field") {
  for (const char* key : {"version", "apiServerEndpoint", "token", "caCertHashes",
                          "kubernetesVersion", "clusterName", "podSubnet"}) {
    CAPTURE(key);
    json doc = sample_json();
    doc.erase(key);
    const Error error = parse_error(doc);
    CHECK(error.where == "/etc/kc/join.json");
    CHECK(error.why == "\"" + std::string(key) + "\": missing");
    CHECK(error.message().find(kToken) == std::string::npos);
  }
}

TEST_CASE("a field of the wrong type is refused, naming the field and the type") {
  json doc = sample_json();
  doc["apiServerEndpoint"] = 6443;
  CHECK(parse_error(doc).why == "\"apiServerEndpoint\": expected a string, found number");
  doc = sample_json();
  doc["caCertHashes"] = kHash;
  CHECK(parse_error(doc).why == "\"caCertHashes\": expected an array of strings, found string");
  doc = sample_json();
  doc["caCertHashes"] = json::array({1});
  CHECK(parse_error(doc).why == "\"caCertHashes\": expected an array of strings, found a number");
  doc = sample_json();
  doc["version"] = "1";
  CHECK(parse_error(doc).why == "\"version\": expected an integer, found string");
  doc = sample_json();
  doc["token"] = json::array();
  CHECK(parse_error(doc).why == "\"token\": expected a string, found array");
}

TEST_CASE("another version is refused, saying which this kc reads") {
  json doc = sample_json();
  doc["version"] = 2;
  const Error error = parse_error(doc);
  CHECK(error.why == "\"version\": version 2 is not supported (this kc reads version 1)");
}

TEST_CASE("an unknown key is refused, so a misspelt one is not silently ignored") {
  json doc = sample_json();
  doc["podSubnets"] = "10.244.0.0/16";
  CHECK(parse_error(doc).why == "\"podSubnets\": unknown key in a version 1 join file");
}

TEST_CASE("malformed values are refused; a token's value is never repeated") {
  json doc = sample_json();
  doc["token"] = "ABCDEF.0123456789abcdeX";
  Error error = parse_error(doc);
  CHECK(error.why == "\"token\": not a bootstrap token [a-z0-9]{6}.[a-z0-9]{16}");
  CHECK(error.message().find("ABCDEF") == std::string::npos);

  for (const char* hash : {"sha256:abc", "md5:aaaa", "", "sha256:" /* + upper case below */}) {
    CAPTURE(hash);
    doc = sample_json();
    doc["caCertHashes"] = json::array({hash});
    CHECK(parse_error(doc).why.rfind("\"caCertHashes\": \"", 0) == 0);
  }
  doc = sample_json();
  doc["caCertHashes"] = json::array({"sha256:" + std::string(64, 'A')});
  CHECK(parse_error(doc).why.find("is not sha256:<64 lower-case hex digits>") != std::string::npos);
  doc = sample_json();
  doc["caCertHashes"] = json::array();
  CHECK(parse_error(doc).why == "\"caCertHashes\": empty; at least one sha256:<hex> is needed");

  for (const char* endpoint :
       {"10.0.0.10", "10.0.0.10:0", "10.0.0.10:65536", ":6443", "bad host:6443", "[zz]:6443"}) {
    CAPTURE(endpoint);
    doc = sample_json();
    doc["apiServerEndpoint"] = endpoint;
    CHECK(parse_error(doc).why == "\"apiServerEndpoint\": \"" + std::string(endpoint) +
                                      "\" is not HOST:PORT (e.g. 10.0.0.10:6443)");
  }
  doc = sample_json();
  doc["kubernetesVersion"] = "v1.36";
  CHECK(parse_error(doc).why == "\"kubernetesVersion\": \"v1.36\" is not MAJOR.MINOR.PATCH");
  doc = sample_json();
  doc["clusterName"] = "-toil";
  CHECK(parse_error(doc).why == "\"clusterName\": \"-toil\" is not a cluster name");
  doc = sample_json();
  doc["podSubnet"] = "10.244.0.1/16";
  CHECK(parse_error(doc).why == "\"podSubnet\": \"10.244.0.1/16\" is not a CIDR block");
}

TEST_CASE("text that is not a JSON object is refused") {
  auto bad = parse_join_file("{\"version\": 1,", "/x/join.json");
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.error().where == "/x/join.json");
  CHECK(bad.error().why == "not valid JSON");
  auto array = parse_join_file("[1]", "/x/join.json");
  REQUIRE_FALSE(array.ok());
  CHECK(array.error().why == "expected a JSON object, found array");
}

TEST_CASE("endpoints, tokens and hashes as the worker's flags take them") {
  CHECK(is_host_port("10.0.0.10:6443"));
  CHECK(is_host_port("[fd00::1]:6443"));
  CHECK(is_host_port("ip-10-0-0-10.ec2.internal:6443"));
  CHECK_FALSE(is_host_port("[fd00::1]"));
  CHECK(is_bootstrap_token(kToken));
  CHECK_FALSE(is_bootstrap_token("abcdef0123456789abcdef"));
  CHECK(is_ca_cert_hash(kHash));
  CHECK_FALSE(is_ca_cert_hash(std::string(64, 'a')));
}

TEST_CASE("write_join_file writes 0600 and read_join_file reads it back unchanged") {
  ScratchDir root;
  Host host(root.path());
  REQUIRE(write_join_file(host, sample()).ok());
  CHECK(mode_of(root / "etc/kc/join.json") == 0600);
  auto read = read_join_file(host);
  REQUIRE(read.ok());
  CHECK(read->mode == 0600);
  CHECK_FALSE(read->too_open());
  CHECK(read->join.token.reveal() == kToken);
}

TEST_CASE("write_join_file refuses an invalid join file and writes nothing") {
  ScratchDir root;
  Host host(root.path());
  JoinFile join = sample();
  join.ca_cert_hashes.clear();
  auto status = write_join_file(host, join);
  REQUIRE_FALSE(status.ok());
  CHECK(status.error().why.find("caCertHashes") != std::string::npos);
  CHECK_FALSE(std::filesystem::exists(root / "etc/kc/join.json"));
}

TEST_CASE(
    "a world-readable join file is observed by read and fixed to 0600 by load, with a "
    "warning") {
  ScratchDir root;
  Host host(root.path());
  root.write("etc/kc/join.json", to_json(sample()));
  std::filesystem::permissions(root / "etc/kc/join.json", std::filesystem::perms(0644));

  auto read = read_join_file(host);
  REQUIRE(read.ok());
  CHECK(read->mode == 0644);
  CHECK(read->too_open());
  CHECK(mode_of(root / "etc/kc/join.json") == 0644);  // reading changes nothing

  std::vector<std::string> warnings;
  auto loaded =
      load_join_file(host, kJoinFilePath, [&](const std::string& w) { warnings.push_back(w); });
  REQUIRE(loaded.ok());
  CHECK(loaded->token.reveal() == kToken);
  CHECK(mode_of(root / "etc/kc/join.json") == 0600);
  REQUIRE(warnings.size() == 1);
  CHECK(warnings[0].find("mode 0644") != std::string::npos);
  CHECK(warnings[0].find("set it to 0600") != std::string::npos);
  CHECK(warnings[0].find(kToken) == std::string::npos);

  warnings.clear();
  REQUIRE(load_join_file(host, kJoinFilePath, [&](const std::string& w) {
            warnings.push_back(w);
          }).ok());
  CHECK(warnings.empty());
}

TEST_CASE("a group-readable join file is too open as well") {
  JoinFileOnHost on_host{sample(), 0640};
  CHECK(on_host.too_open());
  on_host.mode = 0400;
  CHECK_FALSE(on_host.too_open());
}

TEST_CASE("a missing, symlinked or malformed join file is refused, naming the file") {
  ScratchDir root;
  Host host(root.path());
  const std::string where = (root / "etc/kc/join.json").string();

  auto missing = read_join_file(host);
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.error().where == where);
  CHECK(missing.error().why == "No such file or directory");

  root.write("etc/kc/real.json", to_json(sample()));
  std::filesystem::create_symlink("real.json", root / "etc/kc/join.json");
  auto link = read_join_file(host);
  REQUIRE_FALSE(link.ok());
  CHECK(link.error().why.find("not a regular file") != std::string::npos);
  std::filesystem::remove(root / "etc/kc/join.json");

  root.write("etc/kc/join.json", "{\"version\": 1}");
  auto malformed = load_join_file(host, kJoinFilePath, nullptr);
  REQUIRE_FALSE(malformed.ok());
  CHECK(malformed.error().where == where);
  CHECK(malformed.error().why == "\"apiServerEndpoint\": missing");
}

TEST_CASE("kc-serve's port and kc-worker's URL path") {
  CHECK(kServePort == 6444);
  CHECK(kc_worker_url_path("arm64") == "/kc-worker/arm64");
}
