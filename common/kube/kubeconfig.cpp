#include "common/kube/kubeconfig.h"

#include <array>
#include <vector>

#include "common/core/yaml.h"

namespace kc {
namespace {

using nlohmann::json;

Result<std::string> read_data_or_file(const json& section, const std::string& data_key,
                                      const std::string& file_key, const Host& host,
                                      const std::string& base_dir, const std::string& what,
                                      const std::string& where) {
  if (section.contains(data_key) && section[data_key].is_string()) {
    auto decoded = base64_decode(section[data_key].get<std::string>());
    if (!decoded) return Error{"read kubeconfig", where, data_key + " is not valid base64", ""};
    return *decoded;
  }
  if (section.contains(file_key) && section[file_key].is_string()) {
    std::string path = section[file_key].get<std::string>();
    if (!path.empty() && path[0] != '/') path = base_dir + "/" + path;
    auto content = host.read_file(path);
    if (!content) return std::move(content).error().context("read " + what);
    if (!*content) return Error{"read " + what, path, "No such file or directory", ""};
    return **content;
  }
  return Error{"read kubeconfig", where, "no " + data_key + " or " + file_key,
               "kc authenticates with a client certificate"};
}

// The string at `key`, or "" when it is missing or not a string.
std::string string_field(const json& object, const std::string& key) {
  auto it = object.find(key);
  return it != object.end() && it->is_string() ? it->get<std::string>() : std::string();
}

const json* find_named(const json& config, const std::string& list, const std::string& name) {
  if (!config.contains(list) || !config[list].is_array()) return nullptr;
  for (const json& entry : config[list]) {
    if (entry.is_object() && string_field(entry, "name") == name) return &entry;
  }
  return nullptr;
}

constexpr std::string_view kBase64Alphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

}  // namespace

std::string base64_encode(std::string_view data) {
  std::string out;
  out.reserve((data.size() + 2) / 3 * 4);
  size_t i = 0;
  for (; i + 2 < data.size(); i += 3) {
    const uint32_t v = (static_cast<uint8_t>(data[i]) << 16) |
                       (static_cast<uint8_t>(data[i + 1]) << 8) | static_cast<uint8_t>(data[i + 2]);
    for (int s : {18, 12, 6, 0}) out += kBase64Alphabet[(v >> s) & 63];
  }
  if (i < data.size()) {
    uint32_t v = static_cast<uint8_t>(data[i]) << 16;
    if (i + 1 < data.size()) v |= static_cast<uint8_t>(data[i + 1]) << 8;
    out += kBase64Alphabet[(v >> 18) & 63];
    out += kBase64Alphabet[(v >> 12) & 63];
    out += i + 1 < data.size() ? kBase64Alphabet[(v >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}

Result<std::string> base64_decode(std::string_view text) {
  std::array<int, 256> table{};
  table.fill(-1);
  for (size_t i = 0; i < kBase64Alphabet.size(); ++i) {
    table[static_cast<uint8_t>(kBase64Alphabet[i])] = static_cast<int>(i);
  }
  std::string out;
  uint32_t acc = 0;
  int bits = 0;
  size_t pad = 0;
  for (char c : text) {
    if (c == ' ' || c == '\n' || c == '\r' || c == '\t') continue;
    if (c == '=') {
      ++pad;
      continue;
    }
    const int v = table[static_cast<uint8_t>(c)];
    if (v < 0 || pad > 0) return Error{"decode base64", "", "invalid character", ""};
    acc = (acc << 6) | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((acc >> bits) & 0xff);
    }
  }
  if (pad > 2) return Error{"decode base64", "", "too much padding", ""};
  return out;
}

Result<ClusterCredentials> credentials_from_kubeconfig(const json& config, const Host& host,
                                                       const std::string& kubeconfig_host_path,
                                                       const std::string& context) {
  const std::string& where = kubeconfig_host_path;
  if (!config.is_object()) return Error{"read kubeconfig", where, "not a mapping", ""};
  std::string context_name = context;
  if (context_name.empty()) {
    if (!config.contains("current-context") || !config["current-context"].is_string()) {
      return Error{"read kubeconfig", where, "no current-context", "name one with --context"};
    }
    context_name = config["current-context"].get<std::string>();
  }
  const json* ctx = find_named(config, "contexts", context_name);
  if (ctx == nullptr || !ctx->contains("context") || !(*ctx)["context"].is_object()) {
    return Error{"read kubeconfig", where, "no context named '" + context_name + "'", ""};
  }
  const std::string cluster_name = string_field((*ctx)["context"], "cluster");
  const std::string user_name = string_field((*ctx)["context"], "user");
  const json* cluster = find_named(config, "clusters", cluster_name);
  if (cluster == nullptr || !cluster->contains("cluster") || !(*cluster)["cluster"].is_object()) {
    return Error{"read kubeconfig", where, "no cluster named '" + cluster_name + "'", ""};
  }
  const json* user = find_named(config, "users", user_name);
  if (user == nullptr || !user->contains("user") || !(*user)["user"].is_object()) {
    return Error{"read kubeconfig", where, "no user named '" + user_name + "'", ""};
  }
  const json& c = (*cluster)["cluster"];
  const json& u = (*user)["user"];
  // Anything but false (or no value) counts as set: kubectl reads YAML 1.1, where "yes" and "on"
  // are true too.
  const auto insecure = c.find("insecure-skip-tls-verify");
  if (insecure != c.end() && !insecure->is_null() && *insecure != false) {
    return Error{"read kubeconfig", where,
                 "cluster '" + cluster_name + "' sets insecure-skip-tls-verify",
                 "kc always verifies the API server; give its CA in certificate-authority-data"};
  }
  const std::string base_dir = std::filesystem::path(kubeconfig_host_path).parent_path().string();
  ClusterCredentials out;
  out.server = string_field(c, "server");
  if (out.server.rfind("https://", 0) != 0) {
    return Error{"read kubeconfig", where,
                 "cluster '" + cluster_name + "' server '" + out.server + "' is not an https URL",
                 ""};
  }
  while (!out.server.empty() && out.server.back() == '/') out.server.pop_back();
  auto ca = read_data_or_file(c, "certificate-authority-data", "certificate-authority", host,
                              base_dir, "cluster CA", where);
  if (!ca) return std::move(ca).error();
  out.ca_pem = std::move(*ca);
  auto cert = read_data_or_file(u, "client-certificate-data", "client-certificate", host, base_dir,
                                "client certificate", where);
  if (!cert) return std::move(cert).error();
  out.client_cert_pem = std::move(*cert);
  auto key =
      read_data_or_file(u, "client-key-data", "client-key", host, base_dir, "client key", where);
  if (!key) return std::move(key).error();
  out.client_key_pem = Secret(std::move(*key));
  return out;
}

Result<ClusterCredentials> load_kubeconfig(const Host& host, const std::string& host_path,
                                           const std::string& context) {
  auto text = host.read_file(host_path);
  if (!text) return std::move(text).error().context("read kubeconfig");
  if (!*text) {
    return Error{"read kubeconfig", host.path(host_path).string(), "No such file or directory",
                 "create it with kc-leader cleanup-credentials, or pass --kubeconfig"};
  }
  const std::string& content = **text;
  const size_t first = content.find_first_not_of(" \t\r\n");
  json config;
  if (first != std::string::npos && content[first] == '{') {
    config = json::parse(content, nullptr, false);
    if (config.is_discarded()) {
      return Error{"parse kubeconfig", host_path, "invalid JSON", ""};
    }
  } else {
    auto parsed = parse_yaml(content, host_path);
    if (!parsed) return std::move(parsed).error();
    config = std::move(*parsed);
  }
  return credentials_from_kubeconfig(config, host, host_path, context);
}

std::string render_kubeconfig(const std::string& cluster_name, const std::string& user,
                              const ClusterCredentials& credentials) {
  const std::string context = user + "@" + cluster_name;
  std::string out;
  out += "apiVersion: v1\n";
  out += "clusters:\n";
  out += "- cluster:\n";
  out += "    certificate-authority-data: " + base64_encode(credentials.ca_pem) + "\n";
  out += "    server: " + credentials.server + "\n";
  out += "  name: " + cluster_name + "\n";
  out += "contexts:\n";
  out += "- context:\n";
  out += "    cluster: " + cluster_name + "\n";
  out += "    user: " + user + "\n";
  out += "  name: " + context + "\n";
  out += "current-context: " + context + "\n";
  out += "kind: Config\n";
  out += "preferences: {}\n";
  out += "users:\n";
  out += "- name: " + user + "\n";
  out += "  user:\n";
  out += "    client-certificate-data: " + base64_encode(credentials.client_cert_pem) + "\n";
  out += "    client-key-data: " + base64_encode(credentials.client_key_pem.reveal()) + "\n";
  return out;
}

}  // namespace kc
