// The worker's JoinConfiguration against golden files, one per supported Kubernetes minor.
// Regenerate them after an intended change with:
//   KC_UPDATE_GOLDEN=1 build/tests/kc-unit-tests --source-file='*test_join_configuration.cpp'
// and review the diff (git diff tests/unit/golden/).
#include "bootstrap/join_configuration.h"

#include <doctest/doctest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "common/core/yaml.h"

namespace {

std::filesystem::path golden_dir() {
  if (const char* root = std::getenv("KC_SOURCE_ROOT")) {
    return std::filesystem::path(root) / "tests/unit/golden";
  }
  std::filesystem::path source(__FILE__);
  if (source.is_relative()) {
    source = std::filesystem::read_symlink("/proc/self/exe").parent_path().parent_path() / source;
  }
  return source.parent_path() / "golden";
}

kc::aws::NodeIdentity identity() {
  kc::aws::NodeIdentity id;
  id.node_name = "ip-10-0-1-23.eu-west-1.compute.internal";
  id.node_ip = "10.0.1.23";
  id.zone = "eu-west-1a";
  id.instance_id = "i-0123456789abcdef0";
  id.provider_id = "aws:///eu-west-1a/i-0123456789abcdef0";
  return id;
}

kc::worker::WorkerConfig worker(const std::string& version) {
  kc::worker::WorkerConfig c;
  c.kubernetes_version = version;
  c.join.api_server = "ip-10-0-0-10.eu-west-1.compute.internal:6443";
  c.join.token = kc::Secret("abcdef.0123456789abcdef");
  c.join.ca_cert_hashes = {"sha256:" + std::string(64, 'a')};
  return c;
}

}  // namespace

TEST_CASE("join configuration: golden files for Kubernetes 1.33 to 1.36") {
  for (const char* version : {"1.33.8", "1.34.4", "1.35.7", "1.36.3"}) {
    const std::string minor = std::string(version).substr(0, 4);
    const auto path = golden_dir() / ("kubeadm-join-" + minor + ".yaml");
    const std::string yaml =
        kc::worker::join_configuration_yaml(worker(version), identity(), false);
    if (std::getenv("KC_UPDATE_GOLDEN") != nullptr) {
      std::filesystem::create_directories(path.parent_path());
      std::ofstream(path, std::ios::binary) << yaml;
    }
    std::ifstream in(path, std::ios::binary);
    REQUIRE_MESSAGE(in.good(), "missing golden file ", path.string());
    const std::string golden{std::istreambuf_iterator<char>(in), {}};
    CHECK_MESSAGE(yaml == golden, "JoinConfiguration for ", version, " differs from ",
                  path.string());
  }
}

TEST_CASE("join configuration: v1beta4 shapes, the token only with show_secrets") {
  const auto c = worker("1.36.3");
  auto docs =
      kc::parse_yaml_documents(kc::worker::join_configuration_yaml(c, identity(), true), "join");
  REQUIRE(docs.ok());
  REQUIRE(docs->size() == 1);
  const auto& d = (*docs)[0];
  CHECK(d["apiVersion"] == "kubeadm.k8s.io/v1beta4");
  CHECK(d["kind"] == "JoinConfiguration");
  const auto& node = d["nodeRegistration"];
  CHECK(node["name"] == "ip-10-0-1-23.eu-west-1.compute.internal");
  CHECK(node["criSocket"] == "unix:///run/containerd/containerd.sock");
  // v1beta4: kubeletExtraArgs is a list of {name, value}, not v1beta3's map.
  REQUIRE(node["kubeletExtraArgs"].is_array());
  CHECK(node["kubeletExtraArgs"][0] ==
        nlohmann::json{{"name", "cloud-provider"}, {"value", "external"}});
  CHECK(node["kubeletExtraArgs"][1] == nlohmann::json{{"name", "node-ip"}, {"value", "10.0.1.23"}});
  CHECK(
      node["kubeletExtraArgs"][2] ==
      nlohmann::json{{"name", "provider-id"}, {"value", "aws:///eu-west-1a/i-0123456789abcdef0"}});
  const auto& token = d["discovery"]["bootstrapToken"];
  CHECK(token["apiServerEndpoint"] == "ip-10-0-0-10.eu-west-1.compute.internal:6443");
  CHECK(token["token"] == "abcdef.0123456789abcdef");
  CHECK(token["caCertHashes"][0] == "sha256:" + std::string(64, 'a'));
  CHECK(d["timeouts"]["discovery"] == "2m0s");
  CHECK_FALSE(d.contains("timeoutForControlPlane"));
  const std::string redacted = kc::worker::join_configuration_yaml(c, identity(), false);
  CHECK(redacted.find("abcdef.0123456789abcdef") == std::string::npos);
  CHECK(redacted.find("token: <redacted>") != std::string::npos);
}

TEST_CASE("join configuration: without an identity kubeadm's defaults apply") {
  auto c = worker("1.36.3");
  auto docs =
      kc::parse_yaml_documents(kc::worker::join_configuration_yaml(c, std::nullopt, false), "join");
  REQUIRE(docs.ok());
  const auto& node = (*docs)[0]["nodeRegistration"];
  CHECK_FALSE(node.contains("name"));
  REQUIRE(node["kubeletExtraArgs"].size() == 1);
  CHECK(node["kubeletExtraArgs"][0]["name"] == "cloud-provider");
}
