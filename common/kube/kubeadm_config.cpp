#include "common/kube/kubeadm_config.h"

#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include <charconv>

#include "common/core/platform.h"
#include "common/core/yaml.h"

namespace kc::kubeadm {
namespace {

// Insertion order: apiVersion and kind first, then the fields as a reader expects them.
using Doc = nlohmann::ordered_json;

constexpr std::string_view kRedacted = "<redacted>";

std::string secret(const Secret& value, EmitOptions options) {
  return options.show_secrets ? value.reveal() : std::string(kRedacted);
}

Doc header(std::string_view api_version, std::string_view kind) {
  Doc d = Doc::object();
  d["apiVersion"] = api_version;
  d["kind"] = kind;
  return d;
}

Doc args(const Args& list) {
  Doc out = Doc::array();
  for (const Arg& a : list) out.push_back(Doc{{"name", a.name}, {"value", a.value}});
  return out;
}

void put_strings(Doc& d, const char* key, const std::vector<std::string>& values) {
  if (!values.empty()) d[key] = values;
}

void put_string(Doc& d, const char* key, const std::string& value) {
  if (!value.empty()) d[key] = value;
}

Doc node_registration(const NodeRegistration& n) {
  Doc d = Doc::object();
  put_string(d, "name", n.name);
  put_string(d, "criSocket", n.cri_socket);
  if (!n.kubelet_extra_args.empty()) d["kubeletExtraArgs"] = args(n.kubelet_extra_args);
  if (n.taints) {
    Doc taints = Doc::array();
    for (const Taint& t : *n.taints) {
      Doc taint = Doc::object();
      taint["key"] = t.key;
      put_string(taint, "value", t.value);
      taint["effect"] = t.effect;
      taints.push_back(std::move(taint));
    }
    d["taints"] = std::move(taints);
  }
  put_strings(d, "ignorePreflightErrors", n.ignore_preflight_errors);
  return d;
}

void put_timeouts(Doc& d, const Timeouts& t) {
  Doc out = Doc::object();
  auto put = [&](const char* key, const std::optional<std::chrono::seconds>& value) {
    if (value) out[key] = go_duration(*value);
  };
  put("controlPlaneComponentHealthCheck", t.control_plane_component_health_check);
  put("kubeletHealthCheck", t.kubelet_health_check);
  put("kubernetesAPICall", t.kubernetes_api_call);
  put("etcdAPICall", t.etcd_api_call);
  put("tlsBootstrap", t.tls_bootstrap);
  put("discovery", t.discovery);
  if (!out.empty()) d["timeouts"] = std::move(out);
}

Doc init_document(const InitConfiguration& c, EmitOptions options) {
  Doc d = header(kApiVersion, "InitConfiguration");
  if (!c.bootstrap_tokens.empty()) {
    Doc tokens = Doc::array();
    for (const BootstrapToken& t : c.bootstrap_tokens) {
      Doc token = Doc::object();
      token["token"] = secret(t.token, options);
      put_string(token, "description", t.description);
      if (t.ttl) token["ttl"] = go_duration(*t.ttl);
      put_strings(token, "usages", t.usages);
      put_strings(token, "groups", t.groups);
      tokens.push_back(std::move(token));
    }
    d["bootstrapTokens"] = std::move(tokens);
  }
  d["nodeRegistration"] = node_registration(c.node_registration);
  Doc endpoint = Doc::object();
  put_string(endpoint, "advertiseAddress", c.local_api_endpoint.advertise_address);
  endpoint["bindPort"] = c.local_api_endpoint.bind_port;
  d["localAPIEndpoint"] = std::move(endpoint);
  put_strings(d, "skipPhases", c.skip_phases);
  put_timeouts(d, c.timeouts);
  return d;
}

Doc cluster_document(const ClusterConfiguration& c) {
  Doc d = header(kApiVersion, "ClusterConfiguration");
  put_string(d, "clusterName", c.cluster_name);
  if (!c.kubernetes_version.empty()) d["kubernetesVersion"] = "v" + c.kubernetes_version;
  put_string(d, "controlPlaneEndpoint", c.control_plane_endpoint);
  Doc networking = Doc::object();
  put_string(networking, "podSubnet", c.networking.pod_subnet);
  put_string(networking, "serviceSubnet", c.networking.service_subnet);
  put_string(networking, "dnsDomain", c.networking.dns_domain);
  if (!networking.empty()) d["networking"] = std::move(networking);
  Doc api_server = Doc::object();
  if (!c.api_server.extra_args.empty()) api_server["extraArgs"] = args(c.api_server.extra_args);
  put_strings(api_server, "certSANs", c.api_server.cert_sans);
  if (!api_server.empty()) d["apiServer"] = std::move(api_server);
  auto component = [&](const char* key, const ControlPlaneComponent& part) {
    if (!part.extra_args.empty()) d[key] = Doc{{"extraArgs", args(part.extra_args)}};
  };
  component("controllerManager", c.controller_manager);
  component("scheduler", c.scheduler);
  return d;
}

Doc kubelet_document(const KubeletConfiguration& c) {
  Doc d = header(kKubeletApiVersion, "KubeletConfiguration");
  put_string(d, "cgroupDriver", c.cgroup_driver);
  d["serverTLSBootstrap"] = c.server_tls_bootstrap;
  d["rotateCertificates"] = c.rotate_certificates;
  put_string(d, "volumePluginDir", c.volume_plugin_dir);
  return d;
}

Doc join_document(const JoinConfiguration& c, EmitOptions options) {
  Doc d = header(kApiVersion, "JoinConfiguration");
  d["nodeRegistration"] = node_registration(c.node_registration);
  put_string(d, "caCertPath", c.ca_cert_path);
  Doc token = Doc::object();
  token["apiServerEndpoint"] = c.discovery.api_server_endpoint;
  token["token"] = secret(c.discovery.token, options);
  put_strings(token, "caCertHashes", c.discovery.ca_cert_hashes);
  d["discovery"] = Doc{{"bootstrapToken", std::move(token)}};
  put_timeouts(d, c.timeouts);
  return d;
}

}  // namespace

Status check_kubernetes_version(std::string_view version, std::string_view flag) {
  const std::string supported =
      fmt::format("kc supports Kubernetes 1.{} to 1.{}", kOldestMinor, kNewestMinor);
  if (!is_release_version(version)) {
    return Error{std::string(flag), std::string(version), "expected MAJOR.MINOR.PATCH", supported};
  }
  const size_t dot = version.find('.');
  const std::string_view major = version.substr(0, dot);
  const std::string_view rest = version.substr(dot + 1);
  int minor = -1;
  std::from_chars(rest.data(), rest.data() + rest.find('.'), minor);  // too long: stays -1
  if (major != "1" || minor < kOldestMinor || minor > kNewestMinor) {
    return Error{std::string(flag), std::string(version), supported, ""};
  }
  return {};
}

std::string go_duration(std::chrono::seconds duration) {
  const long long total = duration.count();
  const long long hours = total / 3600;
  const long long minutes = (total % 3600) / 60;
  const long long seconds = total % 60;
  if (hours > 0) return fmt::format("{}h{}m{}s", hours, minutes, seconds);
  if (minutes > 0) return fmt::format("{}m{}s", minutes, seconds);
  return fmt::format("{}s", seconds);
}

std::string init_yaml(const InitDocuments& documents, EmitOptions options) {
  return emit_yaml_documents(std::vector<Doc>{init_document(documents.init, options),
                                              cluster_document(documents.cluster),
                                              kubelet_document(documents.kubelet)});
}

std::string join_yaml(const JoinConfiguration& join, EmitOptions options) {
  return emit_yaml_documents(std::vector<Doc>{join_document(join, options)});
}

}  // namespace kc::kubeadm
