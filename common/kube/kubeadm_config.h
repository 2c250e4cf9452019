// The kubeadm configuration kc hands to `kubeadm init` and `kubeadm join`, built as data from
// typed values and emitted as one multi-document YAML stream: kubeadm.k8s.io/v1beta4
// InitConfiguration, ClusterConfiguration and JoinConfiguration, kubelet.config.k8s.io/v1beta1
// KubeletConfiguration (field names as in kubeadm's v1beta4 types.go). v1beta4 spells every
// extraArgs as a list of {name, value}; v1beta3's maps and timeoutForControlPlane are gone.
// Unset optional fields are left out, so kubeadm's defaults apply.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/core/error.h"
#include "common/core/secret.h"

namespace kc::kubeadm {

inline constexpr std::string_view kApiVersion = "kubeadm.k8s.io/v1beta4";
inline constexpr std::string_view kKubeletApiVersion = "kubelet.config.k8s.io/v1beta1";
inline constexpr std::string_view kContainerdSocket = "unix:///run/containerd/containerd.sock";

// The Kubernetes minor versions this configuration is written for (v1beta4; 1.36 rejects
// v1beta3, and kc pins no add-ons for minors outside this range).
inline constexpr int kOldestMinor = 33;
inline constexpr int kNewestMinor = 36;

// Checks that a MAJOR.MINOR.PATCH version is one of 1.33-1.36; the error names `flag`.
Status check_kubernetes_version(std::string_view version, std::string_view flag);

// One command-line flag of a component, written without the leading dashes.
struct Arg {
  std::string name;
  std::string value;
};
using Args = std::vector<Arg>;

struct Taint {
  std::string key;
  std::string value;
  std::string effect;  // NoSchedule, PreferNoSchedule, NoExecute
};

struct NodeRegistration {
  std::string name;  // the node name (kc: the private DNS name); empty: kubeadm uses the hostname
  std::string cri_socket = std::string(kContainerdSocket);
  // Per-node kubelet flags (cloud-provider, node-ip, provider-id): kubeadm shares the
  // KubeletConfiguration with every node through a ConfigMap, so per-node values go here.
  Args kubelet_extra_args;
  // nullopt: kubeadm's default (the control-plane taint on a control-plane node); an empty
  // list: no taint at all (kubeadm reads "taints: []" so).
  std::optional<std::vector<Taint>> taints;
  std::vector<std::string> ignore_preflight_errors;
};

// Go durations ("4m0s"); unset ones keep kubeadm's defaults.
struct Timeouts {
  std::optional<std::chrono::seconds> control_plane_component_health_check;
  std::optional<std::chrono::seconds> kubelet_health_check;
  std::optional<std::chrono::seconds> kubernetes_api_call;
  std::optional<std::chrono::seconds> etcd_api_call;
  std::optional<std::chrono::seconds> tls_bootstrap;
  std::optional<std::chrono::seconds> discovery;
};

struct BootstrapToken {
  Secret token;  // "abcdef.0123456789abcdef"
  std::string description;
  std::optional<std::chrono::seconds> ttl;  // unset: kubeadm's 24h
  std::vector<std::string> usages;          // empty: kubeadm's signing, authentication
  std::vector<std::string> groups;          // empty: the default node-token group
};

struct ApiEndpoint {
  std::string advertise_address;  // empty: kubeadm picks the default route's address
  int bind_port = 6443;
};

struct InitConfiguration {
  std::vector<BootstrapToken> bootstrap_tokens;
  NodeRegistration node_registration;
  ApiEndpoint local_api_endpoint;
  std::vector<std::string> skip_phases;
  Timeouts timeouts;
};

struct Networking {
  std::string pod_subnet;      // empty: none (the pod network add-on needs one)
  std::string service_subnet;  // empty: kubeadm's 10.96.0.0/12
  std::string dns_domain;      // empty: cluster.local
};

struct ControlPlaneComponent {
  Args extra_args;
};

struct ApiServer {
  Args extra_args;
  std::vector<std::string> cert_sans;
};

struct ClusterConfiguration {
  std::string cluster_name;
  std::string kubernetes_version;      // MAJOR.MINOR.PATCH; written "vMAJOR.MINOR.PATCH"
  std::string control_plane_endpoint;  // "HOST:PORT", a name that stays stable
  Networking networking;
  ApiServer api_server;
  ControlPlaneComponent controller_manager;
  ControlPlaneComponent scheduler;
};

struct BootstrapTokenDiscovery {
  std::string api_server_endpoint;          // "HOST:PORT"
  Secret token;                             // the bootstrap token
  std::vector<std::string> ca_cert_hashes;  // "sha256:<hex of the CA's SubjectPublicKeyInfo>"
};

struct JoinConfiguration {
  NodeRegistration node_registration;
  BootstrapTokenDiscovery discovery;
  std::string ca_cert_path;  // empty: kubeadm's /etc/kubernetes/pki/ca.crt
  Timeouts timeouts;
};

// The cluster-wide kubelet settings (kubeadm stores them in the kubelet-config ConfigMap).
struct KubeletConfiguration {
  std::string cgroup_driver = "systemd";
  bool server_tls_bootstrap = true;  // serving certificates, approved by the approver add-on
  bool rotate_certificates = true;
  std::string volume_plugin_dir;  // empty: the kubelet's default (read-only /usr on Flatcar)
};

// The documents of `kubeadm init --config`.
struct InitDocuments {
  InitConfiguration init;
  ClusterConfiguration cluster;
  KubeletConfiguration kubelet;
};

// Secrets (bootstrap tokens) are written as "<redacted>" unless show_secrets is set; the file
// kubeadm reads is the only place that gets them.
struct EmitOptions {
  bool show_secrets = false;
};

std::string init_yaml(const InitDocuments& documents, EmitOptions options);
std::string join_yaml(const JoinConfiguration& join, EmitOptions options);

// "4m0s", "1h0m0s", "10s": Go's time.Duration spelling, as kubeadm writes and reads it.
std::string go_duration(std::chrono::seconds duration);

}  // namespace kc::kubeadm
