#include "common/kube/kubeadm_config.h"

#include <doctest/doctest.h>

#include "common/core/yaml.h"

using nlohmann::json;
namespace kubeadm = kc::kubeadm;

namespace {

constexpr const char* kToken = "abcdef.0123456789abcdef";

kubeadm::InitDocuments leader_documents() {
  kubeadm::InitDocuments d;
  kubeadm::BootstrapToken token;
  token.token = kc::Secret(kToken);
  token.description = "kc worker join";
  token.ttl = std::chrono::hours(24);
  d.init.bootstrap_tokens.push_back(token);
  d.init.node_registration.name = "ip-10-0-0-10.ec2.internal";
  d.init.node_registration.kubelet_extra_args = {{"cloud-provider", "external"},
                                                 {"node-ip", "10.0.0.10"}};
  d.init.local_api_endpoint.advertise_address = "10.0.0.10";
  d.init.timeouts.control_plane_component_health_check = std::chrono::minutes(4);
  d.cluster.cluster_name = "toil";
  d.cluster.kubernetes_version = "1.36.3";
  d.cluster.control_plane_endpoint = "ip-10-0-0-10.ec2.internal:6443";
  d.cluster.networking.pod_subnet = "10.244.0.0/16";
  d.cluster.networking.service_subnet = "10.96.0.0/12";
  d.cluster.api_server.cert_sans = {"ip-10-0-0-10.ec2.internal", "10.0.0.10"};
  d.cluster.api_server.extra_args = {{"max-requests-inflight", "400"}};
  d.cluster.controller_manager.extra_args = {
      {"flex-volume-plugin-dir", "/opt/libexec/kubernetes/kubelet-plugins/volume/exec/"}};
  d.kubelet.volume_plugin_dir = "/opt/libexec/kubernetes/kubelet-plugins/volume/exec/";
  return d;
}

std::vector<json> read_back(const std::string& yaml) {
  auto documents = kc::parse_yaml_documents(yaml, "emitted");
  REQUIRE_MESSAGE(documents.ok(), documents.error().message());
  return *documents;
}

}  // namespace

TEST_CASE("init: three v1beta4/v1beta1 documents that read back to the typed values") {
  const std::string yaml = kubeadm::init_yaml(leader_documents(), {.show_secrets = true});
  auto docs = read_back(yaml);
  REQUIRE(docs.size() == 3);

  const json& init = docs[0];
  CHECK(init["apiVersion"] == "kubeadm.k8s.io/v1beta4");
  CHECK(init["kind"] == "InitConfiguration");
  CHECK(init["bootstrapTokens"][0]["token"] == kToken);
  CHECK(init["bootstrapTokens"][0]["ttl"] == "24h0m0s");
  CHECK(init["nodeRegistration"]["name"] == "ip-10-0-0-10.ec2.internal");
  CHECK(init["nodeRegistration"]["criSocket"] == "unix:///run/containerd/containerd.sock");
  // v1beta4: a list of {name, value}, not v1beta3's map.
  CHECK(init["nodeRegistration"]["kubeletExtraArgs"] ==
        json::parse(R"([{"name":"cloud-provider","value":"external"},
                        {"name":"node-ip","value":"10.0.0.10"}])"));
  CHECK_FALSE(init["nodeRegistration"].contains("taints"));  // kubeadm's default taint
  CHECK(init["localAPIEndpoint"]["advertiseAddress"] == "10.0.0.10");
  CHECK(init["localAPIEndpoint"]["bindPort"] == "6443");
  CHECK(init["timeouts"] == json{{"controlPlaneComponentHealthCheck", "4m0s"}});

  const json& cluster = docs[1];
  CHECK(cluster["apiVersion"] == "kubeadm.k8s.io/v1beta4");
  CHECK(cluster["kind"] == "ClusterConfiguration");
  CHECK(cluster["clusterName"] == "toil");
  CHECK(cluster["kubernetesVersion"] == "v1.36.3");
  CHECK(cluster["controlPlaneEndpoint"] == "ip-10-0-0-10.ec2.internal:6443");
  CHECK(cluster["networking"] ==
        json{{"podSubnet", "10.244.0.0/16"}, {"serviceSubnet", "10.96.0.0/12"}});
  CHECK(cluster["apiServer"]["certSANs"] == json{"ip-10-0-0-10.ec2.internal", "10.0.0.10"});
  // A value that looks like a number stays a string (kubeadm's Arg.Value is a string).
  CHECK(cluster["apiServer"]["extraArgs"] ==
        json::parse(R"([{"name":"max-requests-inflight","value":"400"}])"));
  CHECK(yaml.find("value: \"400\"") != std::string::npos);
  CHECK(cluster["controllerManager"]["extraArgs"][0]["name"] == "flex-volume-plugin-dir");
  CHECK_FALSE(cluster.contains("scheduler"));  // nothing set: left to kubeadm
  CHECK_FALSE(cluster["apiServer"].contains("timeoutForControlPlane"));  // v1beta3 only

  const json& kubelet = docs[2];
  CHECK(kubelet["apiVersion"] == "kubelet.config.k8s.io/v1beta1");
  CHECK(kubelet["kind"] == "KubeletConfiguration");
  CHECK(kubelet["cgroupDriver"] == "systemd");
  CHECK(kubelet["serverTLSBootstrap"] == true);
  CHECK(kubelet["rotateCertificates"] == true);
  CHECK(kubelet["volumePluginDir"] == "/opt/libexec/kubernetes/kubelet-plugins/volume/exec/");
}

TEST_CASE("the emitted YAML is stable and starts each document with apiVersion and kind") {
  const std::string a = kubeadm::init_yaml(leader_documents(), {});
  CHECK(a == kubeadm::init_yaml(leader_documents(), {}));
  CHECK(a.rfind("---\napiVersion: kubeadm.k8s.io/v1beta4\nkind: InitConfiguration\n", 0) == 0);
  CHECK(a.find("---\napiVersion: kubeadm.k8s.io/v1beta4\nkind: ClusterConfiguration\n") !=
        std::string::npos);
  CHECK(a.find("---\napiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\n") !=
        std::string::npos);
}

TEST_CASE("bootstrap tokens are redacted unless show_secrets is asked for") {
  const std::string redacted = kubeadm::init_yaml(leader_documents(), {});
  CHECK(redacted.find("0123456789abcdef") == std::string::npos);
  CHECK(read_back(redacted)[0]["bootstrapTokens"][0]["token"] == "<redacted>");

  kubeadm::JoinConfiguration join;
  join.discovery.token = kc::Secret(kToken);
  join.discovery.api_server_endpoint = "10.0.0.10:6443";
  CHECK(kubeadm::join_yaml(join, {}).find("0123456789abcdef") == std::string::npos);
  CHECK(read_back(kubeadm::join_yaml(
            join, {.show_secrets = true}))[0]["discovery"]["bootstrapToken"]["token"] == kToken);
}

TEST_CASE("join: nodeRegistration, discovery.bootstrapToken and timeouts in v1beta4 form") {
  kubeadm::JoinConfiguration join;
  join.node_registration.name = "ip-10-0-1-20.ec2.internal";
  join.node_registration.kubelet_extra_args = {
      {"cloud-provider", "external"},
      {"node-ip", "10.0.1.20"},
      {"provider-id", "aws:///us-east-1a/i-0123456789abcdef0"}};
  join.node_registration.taints = std::vector<kubeadm::Taint>{};  // explicitly none
  join.discovery.api_server_endpoint = "10.0.0.10:6443";
  join.discovery.token = kc::Secret(kToken);
  join.discovery.ca_cert_hashes = {"sha256:" + std::string(64, 'a')};
  join.timeouts.discovery = std::chrono::minutes(5);
  join.timeouts.tls_bootstrap = std::chrono::seconds(90);

  auto docs = read_back(kubeadm::join_yaml(join, {.show_secrets = true}));
  REQUIRE(docs.size() == 1);
  const json& d = docs[0];
  CHECK(d["apiVersion"] == "kubeadm.k8s.io/v1beta4");
  CHECK(d["kind"] == "JoinConfiguration");
  CHECK(d["nodeRegistration"]["kubeletExtraArgs"][2] ==
        json{{"name", "provider-id"}, {"value", "aws:///us-east-1a/i-0123456789abcdef0"}});
  CHECK(d["nodeRegistration"]["taints"] == json::array());
  CHECK(d["discovery"]["bootstrapToken"]["apiServerEndpoint"] == "10.0.0.10:6443");
  CHECK(d["discovery"]["bootstrapToken"]["caCertHashes"] == json{"sha256:" + std::string(64, 'a')});
  CHECK_FALSE(d["discovery"].contains("timeout"));  // v1beta3 only; v1beta4 has timeouts
  CHECK(d["timeouts"] == json{{"tlsBootstrap", "1m30s"}, {"discovery", "5m0s"}});
}

TEST_CASE("go_duration spells durations as Go does") {
  CHECK(kubeadm::go_duration(std::chrono::seconds(10)) == "10s");
  CHECK(kubeadm::go_duration(std::chrono::minutes(4)) == "4m0s");
  CHECK(kubeadm::go_duration(std::chrono::hours(24)) == "24h0m0s");
  CHECK(kubeadm::go_duration(std::chrono::seconds(3725)) == "1h2m5s");
  CHECK(kubeadm::go_duration(std::chrono::seconds(0)) == "0s");
}

TEST_CASE("check_kubernetes_version accepts 1.33-1.36 and names the flag otherwise") {
  for (const char* v : {"1.33.0", "1.34.4", "1.35.7", "1.36.3"}) {
    CHECK_MESSAGE(kubeadm::check_kubernetes_version(v, "--kubernetes-version").ok(), v);
  }
  for (const char* v : {"1.32.9", "1.37.0", "2.36.0", "1.36", "v1.36.3"}) {
    auto status = kubeadm::check_kubernetes_version(v, "--kubernetes-version");
    REQUIRE_FALSE_MESSAGE(status.ok(), v);
    CHECK(status.error().message().find("--kubernetes-version") == 0);
    CHECK(status.error().message().find(v) != std::string::npos);
  }
}
