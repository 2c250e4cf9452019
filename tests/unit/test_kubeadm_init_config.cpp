// The leader's kubeadm documents for every supported minor, against golden files in
// tests/unit/golden/. After a deliberate change, regenerate them with
//   KC_UPDATE_GOLDEN=1 build/tests/kc-unit-tests --source-file='*test_kubeadm_init_config.cpp'
// and review the diff (git diff tests/unit/golden) before committing it.
#include "agent/kubeadm_init_config.h"

#include <doctest/doctest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include <algorithm>

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
  id.node_name = "ip-10-0-0-10.ec2.internal";
  id.node_ip = "10.0.0.10";
  id.region = "us-east-1";
  id.zone = "us-east-1a";
  id.instance_id = "i-0123456789abcdef0";
  id.vpc_cidrs = {"10.0.0.0/16"};
  id.provider_id = kc::aws::provider_id(id.zone, id.instance_id);
  id.public_ipv4 = "3.80.1.2";
  id.public_hostname = "ec2-3-80-1-2.compute-1.amazonaws.com";
  return id;
}

kc::leader::LeaderConfig config(const std::string& version) {
  kc::leader::InitOptions o;
  o.assets.kubernetes_version = version;
  o.cluster_name = "toil";
  o.apiserver_cert_extra_sans = {"k8s.example.org"};
  o.ignore_preflight_errors = {"Swap", "KernelModule-br_netfilter"};
  auto c = kc::leader::resolve_leader_config(o);
  REQUIRE_MESSAGE(c.ok(), c.error().message());
  return *c;
}

std::string read(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

}  // namespace

TEST_CASE("kubeadm init documents for 1.33-1.36 match their golden files") {
  for (const char* version : {"1.33.8", "1.34.4", "1.35.7", "1.36.3"}) {
    CAPTURE(version);
    const std::string minor = std::string(version).substr(0, 4);
    const auto path = golden_dir() / ("kubeadm-init-" + minor + ".yaml");
    const std::string yaml = kc::leader::leader_init_yaml(config(version), identity(), {});
    if (std::getenv("KC_UPDATE_GOLDEN") != nullptr) {
      std::ofstream(path, std::ios::binary) << yaml;
    }
    CHECK(yaml == read(path));
  }
}

TEST_CASE("kubeadm init documents: what the leader needs, as data") {
  const auto d = kc::leader::leader_init_documents(config("1.35.7"), identity());
  const auto& node = d.init.node_registration;
  CHECK(node.name == "ip-10-0-0-10.ec2.internal");
  CHECK(node.cri_socket == "unix:///run/containerd/containerd.sock");
  REQUIRE(node.kubelet_extra_args.size() == 3);
  CHECK(node.kubelet_extra_args[0].name == "cloud-provider");
  CHECK(node.kubelet_extra_args[0].value == "external");
  CHECK(node.kubelet_extra_args[2].value == "aws:///us-east-1a/i-0123456789abcdef0");
  // kc's own check names are not handed to kubeadm.
  CHECK(node.ignore_preflight_errors == std::vector<std::string>{"Swap"});
  CHECK(d.init.local_api_endpoint.advertise_address == "10.0.0.10");
  CHECK(d.cluster.control_plane_endpoint == "ip-10-0-0-10.ec2.internal:6443");
  CHECK(d.cluster.api_server.cert_sans ==
        std::vector<std::string>{"ip-10-0-0-10.ec2.internal", "10.0.0.10",
                                 "ec2-3-80-1-2.compute-1.amazonaws.com", "3.80.1.2",
                                 "k8s.example.org"});
  CHECK(d.cluster.api_server.extra_args.empty());  // no --cloud-provider: removed in 1.33
  REQUIRE(d.cluster.controller_manager.extra_args.size() == 1);
  CHECK(d.cluster.controller_manager.extra_args[0].name == "flex-volume-plugin-dir");
  CHECK(d.kubelet.volume_plugin_dir == "/opt/libexec/kubernetes/kubelet-plugins/volume/exec/");
  CHECK(d.kubelet.cgroup_driver == "systemd");
  CHECK(d.kubelet.server_tls_bootstrap);
  CHECK(d.kubelet.rotate_certificates);

  // 1.36 dropped flex volumes: no flex-volume-plugin-dir.
  CHECK(kc::leader::leader_init_documents(config("1.36.3"), identity())
            .cluster.controller_manager.extra_args.empty());
}

TEST_CASE("control-plane endpoint: the node name by default, a given host gets port 6443") {
  kc::leader::LeaderConfig c = config("1.36.3");
  CHECK(kc::leader::control_plane_endpoint(c, identity()) == "ip-10-0-0-10.ec2.internal:6443");
  c.control_plane_endpoint = "k8s.internal";
  CHECK(kc::leader::control_plane_endpoint(c, identity()) == "k8s.internal:6443");
  c.control_plane_endpoint = "10.0.0.5:7443";
  CHECK(kc::leader::control_plane_endpoint(c, identity()) == "10.0.0.5:7443");
  const auto d = kc::leader::leader_init_documents(c, identity());
  CHECK(std::find(d.cluster.api_server.cert_sans.begin(), d.cluster.api_server.cert_sans.end(),
                  "10.0.0.5") != d.cluster.api_server.cert_sans.end());
}

TEST_CASE("kubeadm init YAML parses back as v1beta4 lists, never v1beta3 maps") {
  const std::string yaml = kc::leader::leader_init_yaml(config("1.34.4"), identity(), {});
  CHECK(yaml.find("apiVersion: kubeadm.k8s.io/v1beta4") != std::string::npos);
  CHECK(yaml.find("v1beta3") == std::string::npos);
  CHECK(yaml.find("timeoutForControlPlane") == std::string::npos);
  CHECK(yaml.find("kind: KubeletConfiguration") != std::string::npos);
  CHECK(yaml.find("- name: provider-id") != std::string::npos);
}
