// Kubeconfig files: the parts kubeadm and kc write (one or more clusters, users and contexts;
// client-certificate authentication, with certificates embedded as *-data or named as files).
// Accepted as JSON (kubectl accepts JSON kubeconfigs too) or as YAML, read with yaml-cpp.
#pragma once

#include <nlohmann/json.hpp>

#include <string>
#include <string_view>
#include <vector>

#include "common/core/error.h"
#include "common/core/host.h"
#include "common/core/secret.h"

namespace kc {

// What a client needs to reach a cluster with mutual TLS, all as in-memory PEM.
struct ClusterCredentials {
  std::string server;           // https://host:port
  std::string ca_pem;           // the CA that signed the API server's certificate
  std::string client_cert_pem;  // our certificate
  Secret client_key_pem;        // our private key; never logged
};

// Resolves the current context (or `context` when not empty) of a parsed kubeconfig. Relative
// file paths are relative to the kubeconfig's directory (as kubectl does), as host paths.
Result<ClusterCredentials> credentials_from_kubeconfig(const nlohmann::json& config,
                                                       const Host& host,
                                                       const std::string& kubeconfig_host_path,
                                                       const std::string& context = {});

// Reads and resolves a kubeconfig file (host path, mapped under host's root).
Result<ClusterCredentials> load_kubeconfig(const Host& host, const std::string& host_path,
                                           const std::string& context = {});

// A kubeconfig in kubeadm's layout with everything embedded, for user `user`.
std::string render_kubeconfig(const std::string& cluster_name, const std::string& user,
                              const ClusterCredentials& credentials);

std::string base64_encode(std::string_view data);
Result<std::string> base64_decode(std::string_view text);

}  // namespace kc
