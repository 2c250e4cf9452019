#include "bootstrap/worker_config.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <vector>

#include "common/core/duration.h"
#include "common/join/join_file.h"
#include "common/kube/kubeadm_config.h"
#include "common/net/cidr.h"
#include "common/node/preflight_checks.h"

namespace kc::worker {
namespace {

// Reads --token-file (a file of the operator's): its first line, surrounding blanks dropped.
Status read_token_file(const std::string& file, JoinData& join) {
  std::string name;
  Host host = Host::for_operator_file(file, name);
  auto info = host.stat(name);
  if (!info) return std::move(info).error().context("--token-file");
  auto text = host.read_file(name);
  if (!text) return std::move(text).error().context("--token-file");
  if (!*text || !*info) return Error{"--token-file", file, "no such file", ""};
  std::string token = **text;
  token.resize(std::min(token.size(), token.find('\n')));
  while (!token.empty() && (token.back() == ' ' || token.back() == '\r' || token.back() == '\t')) {
    token.pop_back();
  }
  if (!join::is_bootstrap_token(token)) {
    // The content is not repeated: a mistyped token is still mostly a secret.
    return Error{"--token-file", file, "expected a bootstrap token [a-z0-9]{6}.[a-z0-9]{16}", ""};
  }
  join.token = Secret(std::move(token));
  join.token_file = file;
  join.token_file_mode = (*info)->mode;
  return {};
}

}  // namespace

Result<std::chrono::seconds> parse_duration(std::string_view text, std::string_view flag) {
  const auto parsed = kc::parse_duration(text, BareNumber::seconds);
  if (!parsed || *parsed < std::chrono::seconds(1)) {
    return Error{std::string(flag), std::string(text),
                 "expected a duration such as 15m, 90s, 1h30m or a number of seconds", ""};
  }
  return std::chrono::duration_cast<std::chrono::seconds>(*parsed);
}

Result<WorkerConfig> resolve_worker_config(const JoinOptions& o) {
  KC_TRY(kubeadm::check_kubernetes_version(o.assets.kubernetes_version, "--kubernetes-version"));
  if (!o.token.empty() && !o.token_file.empty()) {
    return Error{"--token, --token-file", "", "given both", "give the token once, in --token-file"};
  }
  const bool token_given = !o.token.empty() || !o.token_file.empty();
  std::vector<std::string> missing;
  if (o.api_server.empty()) missing.push_back("--api-server");
  if (!token_given) missing.push_back("--token or --token-file");
  if (o.ca_cert_hash.empty()) missing.push_back("--discovery-token-ca-cert-hash");
  if (!missing.empty() && missing.size() < 3) {
    return Error{fmt::format("{}", fmt::join(missing, ", ")), "", "missing",
                 "--api-server, --token-file (or --token) and --discovery-token-ca-cert-hash go "
                 "together; without them the join file gives all three"};
  }
  if (missing.empty() && !o.join_file.empty()) {
    return Error{"--join-file", o.join_file,
                 "given with --api-server, --token and "
                 "--discovery-token-ca-cert-hash",
                 "give either the join file or the three flags"};
  }
  if (!o.api_server.empty() && !join::is_host_port(o.api_server)) {
    return Error{"--api-server", o.api_server, "expected HOST:PORT, e.g. 10.0.0.10:6443", ""};
  }
  if (!o.token.empty() && !join::is_bootstrap_token(o.token)) {
    // The value is not repeated: a mistyped token is still mostly a secret.
    return Error{"--token", "", "expected a bootstrap token [a-z0-9]{6}.[a-z0-9]{16}", ""};
  }
  if (!o.ca_cert_hash.empty() && !join::is_ca_cert_hash(o.ca_cert_hash)) {
    return Error{"--discovery-token-ca-cert-hash", o.ca_cert_hash,
                 "expected sha256:<64 hex digits>", "kc-leader prints it with the user data"};
  }
  if (!o.join_file.empty() && o.join_file.front() != '/') {
    return Error{"--join-file", o.join_file,
                 "expected an absolute path (a host path, under --root)", ""};
  }
  auto timeout = parse_duration(o.join_timeout, "--join-timeout");
  if (!timeout) return std::move(timeout).error();
  KC_TRY(storage::check_storage_options(o.storage));

  WorkerConfig c;
  c.assets = o.assets;
  if (!o.with_kubectl) c.assets.exclude.push_back("kubectl");
  c.kubernetes_version = o.assets.kubernetes_version;
  c.join_timeout = *timeout;
  c.join.api_server = o.api_server;
  c.join.token = Secret(o.token);
  if (!o.ca_cert_hash.empty()) c.join.ca_cert_hashes = {o.ca_cert_hash};
  if (!o.token_file.empty()) KC_TRY(read_token_file(o.token_file, c.join));
  c.identity = o.identity;
  c.ignore_preflight_errors = o.ignore_preflight_errors;
  c.storage = o.storage;
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

Status load_join_data(WorkerConfig& c, const JoinOptions& o, const Host& host) {
  if (c.has_join_data()) return {};
  const std::string path = o.join_file.empty() ? std::string(kJoinFile) : o.join_file;
  auto file = join::read_join_file(host, path);
  if (!file) {
    Error error = std::move(file).error();
    if (error.hint.empty()) {
      error.hint =
          "give --join-file FILE or --api-server, --token-file and "
          "--discovery-token-ca-cert-hash; `kc-leader user-data` prints the user data "
          "that writes " +
          std::string(kJoinFile);
    }
    return error;
  }
  c.join.api_server = file->join.api_server_endpoint;
  c.join.token = file->join.token;
  c.join.ca_cert_hashes = file->join.ca_cert_hashes;
  c.join.kubernetes_version = file->join.kubernetes_version;
  c.join.join_file = path;
  c.join.join_file_mode = file->mode;
  if (!o.kubernetes_version_given && !c.join.kubernetes_version.empty()) {
    KC_TRY(
        kubeadm::check_kubernetes_version(c.join.kubernetes_version, path + ": kubernetesVersion"));
    c.kubernetes_version = c.join.kubernetes_version;
    c.assets.kubernetes_version = c.join.kubernetes_version;
  }
  return {};
}

}  // namespace kc::worker
