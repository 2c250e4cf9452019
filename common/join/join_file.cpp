#include "common/join/join_file.h"

#include <fmt/format.h>
#include <sys/stat.h>

#include <algorithm>
#include <charconv>
#include <nlohmann/json.hpp>
#include <regex>

#include "common/net/cidr.h"

namespace kc::join {

using nlohmann::json;

namespace {

constexpr const char* kHint =
    "write it again from the worker user data that kc-leader user-data prints";

Error field_error(const std::string& where, const std::string& field, const std::string& why) {
  return Error{"join file", where, "\"" + field + "\": " + why, kHint};
}

const char* type_name(const json& value) {
  return value.type_name();
}

}  // namespace

bool is_bootstrap_token(std::string_view text) {
  static const std::regex token("[a-z0-9]{6}\\.[a-z0-9]{16}");
  return std::regex_match(text.begin(), text.end(), token);
}

bool is_ca_cert_hash(std::string_view text) {
  static const std::regex hash("sha256:[0-9a-f]{64}");
  return std::regex_match(text.begin(), text.end(), hash);
}

bool is_host_port(std::string_view text) {
  const size_t colon = text.rfind(':');
  if (colon == std::string_view::npos || colon == 0) return false;
  const std::string_view host = text.substr(0, colon);
  const std::string_view port = text.substr(colon + 1);
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
  return std::regex_match(host.begin(), host.end(), name);
}

Status validate(const JoinFile& join, const std::string& where) {
  if (!is_host_port(join.api_server_endpoint)) {
    return field_error(
        where, "apiServerEndpoint",
        "\"" + join.api_server_endpoint + "\" is not HOST:PORT (e.g. 10.0.0.10:6443)");
  }
  // The value is never repeated: a mistyped token is still mostly a secret.
  if (!is_bootstrap_token(join.token.reveal())) {
    return field_error(where, "token", "not a bootstrap token [a-z0-9]{6}.[a-z0-9]{16}");
  }
  if (join.ca_cert_hashes.empty()) {
    return field_error(where, "caCertHashes", "empty; at least one sha256:<hex> is needed");
  }
  for (const auto& hash : join.ca_cert_hashes) {
    if (!is_ca_cert_hash(hash)) {
      return field_error(where, "caCertHashes",
                         "\"" + hash + "\" is not sha256:<64 lower-case hex digits>");
    }
  }
  static const std::regex version("[0-9]+\\.[0-9]+\\.[0-9]+");
  if (!std::regex_match(join.kubernetes_version, version)) {
    return field_error(where, "kubernetesVersion",
                       "\"" + join.kubernetes_version + "\" is not MAJOR.MINOR.PATCH");
  }
  static const std::regex cluster_name("[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?");
  if (!std::regex_match(join.cluster_name, cluster_name)) {
    return field_error(where, "clusterName", "\"" + join.cluster_name + "\" is not a cluster name");
  }
  if (!parse_cidr(join.pod_subnet)) {
    return field_error(where, "podSubnet", "\"" + join.pod_subnet + "\" is not a CIDR block");
  }
  return {};
}

std::string to_json(const JoinFile& join, bool redact_token) {
  // Keys in the documented order, so the file reads as the README shows it.
  json out = json::object();
  out["version"] = kJoinFileVersion;
  out["apiServerEndpoint"] = join.api_server_endpoint;
  out["token"] = redact_token ? std::string("<redacted>") : join.token.reveal();
  out["caCertHashes"] = join.ca_cert_hashes;
  out["kubernetesVersion"] = join.kubernetes_version;
  out["clusterName"] = join.cluster_name;
  out["podSubnet"] = join.pod_subnet;
  return out.dump(2) + "\n";
}

Result<JoinFile> parse_join_file(std::string_view text, const std::string& where) {
  const json root = json::parse(text, nullptr, false);
  if (root.is_discarded()) {
    return Error{"join file", where, "not valid JSON", kHint};
  }
  if (!root.is_object()) {
    return Error{"join file", where,
                 std::string("expected a JSON object, found ") + type_name(root), kHint};
  }
  if (!root.contains("version")) return field_error(where, "version", "missing");
  const json& version = root["version"];
  if (!version.is_number_integer()) {
    return field_error(where, "version",
                       std::string("expected an integer, found ") + type_name(version));
  }
  if (version.get<int64_t>() != kJoinFileVersion) {
    return field_error(where, "version",
                       fmt::format("version {} is not supported (this kc reads version {})",
                                   version.dump(), kJoinFileVersion));
  }
  static const char* const known[] = {"version",      "apiServerEndpoint", "token",
                                      "caCertHashes", "kubernetesVersion", "clusterName",
                                      "podSubnet"};
  for (const auto& [key, value] : root.items()) {
    if (std::find(std::begin(known), std::end(known), key) == std::end(known)) {
      return field_error(where, key, "unknown key in a version 1 join file");
    }
  }
  auto string_field = [&](const char* key, std::string& out) -> Status {
    if (!root.contains(key)) return field_error(where, key, "missing");
    const json& value = root[key];
    if (!value.is_string()) {
      return field_error(where, key, std::string("expected a string, found ") + type_name(value));
    }
    out = value.get<std::string>();
    return {};
  };
  JoinFile join;
  KC_TRY(string_field("apiServerEndpoint", join.api_server_endpoint));
  std::string token;
  KC_TRY(string_field("token", token));
  join.token = Secret(std::move(token));
  if (!root.contains("caCertHashes")) return field_error(where, "caCertHashes", "missing");
  const json& hashes = root["caCertHashes"];
  if (!hashes.is_array()) {
    return field_error(where, "caCertHashes",
                       std::string("expected an array of strings, found ") + type_name(hashes));
  }
  for (const auto& hash : hashes) {
    if (!hash.is_string()) {
      return field_error(where, "caCertHashes",
                         std::string("expected an array of strings, found a ") + type_name(hash));
    }
    join.ca_cert_hashes.push_back(hash.get<std::string>());
  }
  KC_TRY(string_field("kubernetesVersion", join.kubernetes_version));
  KC_TRY(string_field("clusterName", join.cluster_name));
  KC_TRY(string_field("podSubnet", join.pod_subnet));
  KC_TRY(validate(join, where));
  return join;
}

Result<JoinFileOnHost> read_join_file(const Host& host, std::string_view host_path) {
  const std::string where = host.path(host_path).string();
  auto entry = host.lstat(host_path);
  if (!entry) return std::move(entry).error().context("read join file");
  if (!entry->has_value()) {
    return Error{"join file", where, "No such file or directory",
                 "pass the join data as flags, or write the file from the worker user data that "
                 "kc-leader user-data prints"};
  }
  if (!S_ISREG((*entry)->st_mode)) {
    return Error{"join file", where, "not a regular file (a symlink or directory is refused)",
                 kHint};
  }
  auto content = host.read_file(host_path);
  if (!content) return std::move(content).error().context("read join file");
  if (!content->has_value()) {
    return Error{"join file", where, "No such file or directory", kHint};
  }
  auto join = parse_join_file(**content, where);
  if (!join) return std::move(join).error();
  return JoinFileOnHost{std::move(*join), static_cast<mode_t>((*entry)->st_mode & 07777)};
}

Result<JoinFile> load_join_file(const Host& host, std::string_view host_path,
                                const std::function<void(const std::string&)>& warn) {
  auto on_host = read_join_file(host, host_path);
  if (!on_host) return std::move(on_host).error();
  if (on_host->too_open()) {
    KC_TRY(host.chmod(host_path, kJoinFileMode));
    if (warn) {
      warn(
          fmt::format("{} was mode {:04o}, readable by group or others, and holds the bootstrap "
                      "token: set it to 0600",
                      host.path(host_path).string(), on_host->mode));
    }
  }
  return std::move(on_host->join);
}

Status write_join_file(const Host& host, const JoinFile& join, std::string_view host_path) {
  KC_TRY(validate(join, host.path(host_path).string()));
  return host.replace_atomically(host_path, to_json(join), kJoinFileMode);
}

}  // namespace kc::join
