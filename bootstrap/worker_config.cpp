#include "bootstrap/worker_config.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <charconv>
#include <regex>
#include <vector>

#include "common/kube/kubeadm_config.h"
#include "common/net/cidr.h"
#include "common/node/preflight_checks.h"

namespace kc::worker {
namespace {

// "HOST:PORT" or "[IPv6]:PORT", with a port in 1-65535.
bool host_port(const std::string& value) {
  const size_t colon = value.rfind(':');
  if (colon == std::string::npos || colon == 0) return false;
  std::string host = value.substr(0, colon);
  const std::string port = value.substr(colon + 1);
  int number = 0;
  const auto [end, err] = std::from_chars(port.data(), port.data() + port.size(), number);
  if (port.empty() || err != std::errc() || end != port.data() + port.size() || number < 1 ||
      number > 65535) {
    return false;
  }
  if (host.front() == '[') {
    return host.size() > 2 && host.back() == ']' && is_ip_address(host.substr(1, host.size() - 2));
  }
  static const std::regex name("[A-Za-z0-9]([-A-Za-z0-9.]*[A-Za-z0-9])?");
  return std::regex_match(host, name);
}

}  // namespace

Result<WorkerConfig> resolve_worker_config(const JoinOptions& o) {
  KC_TRY(kubeadm::check_kubernetes_version(o.assets.kubernetes_version, "--kubernetes-version"));
  std::vector<std::string> missing;
  if (o.api_server.empty()) missing.push_back("--api-server");
  if (o.token.empty()) missing.push_back("--token");
  if (o.ca_cert_hash.empty()) missing.push_back("--discovery-token-ca-cert-hash");
  if (!missing.empty() && missing.size() < 3) {
    return Error{fmt::format("{}", fmt::join(missing, ", ")), "", "missing",
                 "--api-server, --token and --discovery-token-ca-cert-hash go together"};
  }
  if (!o.api_server.empty() && !host_port(o.api_server)) {
    return Error{"--api-server", o.api_server, "expected HOST:PORT, e.g. 10.0.0.10:6443", ""};
  }
  static const std::regex token("[a-z0-9]{6}\\.[a-z0-9]{16}");
  if (!o.token.empty() && !std::regex_match(o.token, token)) {
    // The value is not repeated: a mistyped token is still mostly a secret.
    return Error{"--token", "", "expected a bootstrap token [a-z0-9]{6}.[a-z0-9]{16}", ""};
  }
  static const std::regex hash("sha256:[0-9a-f]{64}");
  if (!o.ca_cert_hash.empty() && !std::regex_match(o.ca_cert_hash, hash)) {
    return Error{"--discovery-token-ca-cert-hash", o.ca_cert_hash,
                 "expected sha256:<64 hex digits>", "kc-leader prints it with the user data"};
  }
  WorkerConfig c;
  c.assets = o.assets;
  c.kubernetes_version = o.assets.kubernetes_version;
  c.api_server = o.api_server;
  c.token = Secret(o.token);
  c.ca_cert_hash = o.ca_cert_hash;
  c.identity = o.identity;
  c.ignore_preflight_errors = o.ignore_preflight_errors;
  node::PreflightOptions preflight;
  preflight.ports = node::worker_ports();
  if (auto unknown = node::unknown_preflight_name(c.ignore_preflight_errors, preflight);
      !unknown.empty()) {
    return Error{"--ignore-preflight-errors", unknown, "no preflight check has that name",
                 fmt::format("the names are: all, {}",
                             fmt::join(node::preflight_check_names(preflight), ", "))};
  }
  return c;
}

}  // namespace kc::worker
