#include "common/kubeconfig.h"

#include <array>
#include <optional>
#include <vector>

namespace kc {
namespace {

using nlohmann::json;

struct Line {
  size_t number = 0;  // 1-based, for errors
  size_t indent = 0;
  bool item = false;    // starts with "- " (or is just "-")
  std::string content;  // after the indent (and after "- " for items)
};

Error yaml_error(const std::string& where, size_t line, const std::string& why) {
  return Error{"parse kubeconfig", where + ":" + std::to_string(line), why,
               "kc reads the kubeconfig subset kubeadm writes, or JSON"};
}

// Drops a trailing " # comment" that is outside quotes.
std::string strip_comment(const std::string& s) {
  char quote = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (quote != 0) {
      if (c == '\\' && quote == '"') {
        ++i;
      } else if (c == quote) {
        quote = 0;
      }
    } else if (c == '"' || c == '\'') {
      quote = c;
    } else if (c == '#' && (i == 0 || s[i - 1] == ' ' || s[i - 1] == '\t')) {
      return s.substr(0, i);
    }
  }
  return s;
}

std::string trim(std::string s) {
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.pop_back();
  size_t b = 0;
  while (b < s.size() && (s[b] == ' ' || s[b] == '\t')) ++b;
  return s.substr(b);
}

class YamlParser {
 public:
  YamlParser(std::vector<Line> lines, std::string where)
      : lines_(std::move(lines)), where_(std::move(where)) {}

  Result<json> parse_document() {
    if (lines_.empty()) return json::object();
    auto node = parse_node(lines_[0].indent);
    if (!node) return node;
    if (pos_ < lines_.size()) {
      return yaml_error(where_, lines_[pos_].number, "unexpected indentation");
    }
    return node;
  }

 private:
  Result<json> parse_node(size_t indent) {
    if (lines_[pos_].item) return parse_sequence(indent);
    return parse_mapping(indent);
  }

  Result<json> parse_sequence(size_t indent) {
    json out = json::array();
    while (pos_ < lines_.size() && lines_[pos_].indent == indent && lines_[pos_].item) {
      Line& line = lines_[pos_];
      if (line.content.empty()) {
        ++pos_;
        if (pos_ >= lines_.size() || lines_[pos_].indent <= indent) {
          out.push_back(nullptr);
          continue;
        }
        auto child = parse_node(lines_[pos_].indent);
        if (!child) return child;
        out.push_back(std::move(*child));
        continue;
      }
      if (find_key_separator(line.content)) {
        // "- key: value": a mapping whose keys line up with "key".
        line.item = false;
        line.indent = indent + 2;
        auto child = parse_mapping(line.indent);
        if (!child) return child;
        out.push_back(std::move(*child));
        continue;
      }
      auto scalar = parse_scalar(line.content, line.number);
      if (!scalar) return scalar;
      out.push_back(std::move(*scalar));
      ++pos_;
    }
    return out;
  }

  Result<json> parse_mapping(size_t indent) {
    json out = json::object();
    while (pos_ < lines_.size() && lines_[pos_].indent == indent && !lines_[pos_].item) {
      const Line& line = lines_[pos_];
      auto sep = find_key_separator(line.content);
      if (!sep) return yaml_error(where_, line.number, "expected 'key: value'");
      auto key = parse_scalar(trim(line.content.substr(0, *sep)), line.number);
      if (!key) return key;
      if (!key->is_string()) return yaml_error(where_, line.number, "keys must be strings");
      const std::string value = trim(line.content.substr(*sep + 1));
      ++pos_;
      json child;
      if (value.empty()) {
        if (pos_ < lines_.size() && (lines_[pos_].indent > indent ||
                                     (lines_[pos_].indent == indent && lines_[pos_].item))) {
          auto nested = parse_node(lines_[pos_].indent);
          if (!nested) return nested;
          child = std::move(*nested);
        }
      } else {
        auto scalar = parse_scalar(value, line.number);
        if (!scalar) return scalar;
        child = std::move(*scalar);
      }
      const std::string k = key->get<std::string>();
      if (out.contains(k)) return yaml_error(where_, line.number, "duplicate key '" + k + "'");
      out[k] = std::move(child);
    }
    if (pos_ < lines_.size() && lines_[pos_].indent > indent) {
      return yaml_error(where_, lines_[pos_].number, "unexpected indentation");
    }
    return out;
  }

  // The position of the ':' that ends a mapping key, outside quotes, followed by space or EOL.
  static std::optional<size_t> find_key_separator(const std::string& s) {
    char quote = 0;
    for (size_t i = 0; i < s.size(); ++i) {
      const char c = s[i];
      if (quote != 0) {
        if (c == '\\' && quote == '"') {
          ++i;
        } else if (c == quote) {
          quote = 0;
        }
        continue;
      }
      if ((c == '"' || c == '\'') && i == 0) {
        quote = c;
      } else if (c == ':' && (i + 1 == s.size() || s[i + 1] == ' ' || s[i + 1] == '\t')) {
        return i;
      }
    }
    return std::nullopt;
  }

  Result<json> parse_scalar(const std::string& s, size_t number) {
    if (s == "{}") return json::object();
    if (s == "[]") return json::array();
    if (s == "null" || s == "~") return json(nullptr);
    if (s == "true") return json(true);
    if (s == "false") return json(false);
    const char c0 = s.empty() ? '\0' : s[0];
    if (c0 == '{' || c0 == '[') {
      return yaml_error(where_, number, "flow collections with content are not supported");
    }
    if (c0 == '|' || c0 == '>') {
      return yaml_error(where_, number, "block scalars (| and >) are not supported");
    }
    if (c0 == '&' || c0 == '*' || c0 == '!') {
      return yaml_error(where_, number, "anchors, aliases and tags are not supported");
    }
    if (c0 == '\'') {
      if (s.size() < 2 || s.back() != '\'') return yaml_error(where_, number, "unterminated quote");
      std::string out;
      for (size_t i = 1; i + 1 < s.size(); ++i) {
        if (s[i] == '\'' && s[i + 1] == '\'') ++i;
        out += s[i];
      }
      return json(out);
    }
    if (c0 == '"') {
      if (s.size() < 2 || s.back() != '"') return yaml_error(where_, number, "unterminated quote");
      std::string out;
      for (size_t i = 1; i + 1 < s.size(); ++i) {
        if (s[i] != '\\') {
          out += s[i];
          continue;
        }
        if (i + 2 >= s.size()) return yaml_error(where_, number, "dangling escape");
        const char e = s[++i];
        switch (e) {
          case 'n':
            out += '\n';
            break;
          case 't':
            out += '\t';
            break;
          case '"':
            out += '"';
            break;
          case '\\':
            out += '\\';
            break;
          case '/':
            out += '/';
            break;
          default:
            return yaml_error(where_, number, std::string("unsupported escape \\") + e);
        }
      }
      return json(out);
    }
    return json(s);
  }

  std::vector<Line> lines_;
  std::string where_;
  size_t pos_ = 0;
};

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

const json* find_named(const json& config, const std::string& list, const std::string& name) {
  if (!config.contains(list) || !config[list].is_array()) return nullptr;
  for (const json& entry : config[list]) {
    if (entry.is_object() && entry.value("name", "") == name) return &entry;
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

Result<json> parse_yaml_subset(std::string_view text, const std::string& where) {
  std::vector<Line> lines;
  size_t number = 0;
  size_t start = 0;
  bool document_started = false;
  while (start <= text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    std::string raw(text.substr(start, end - start));
    start = end + 1;
    ++number;
    const size_t indent_end = raw.find_first_not_of(" \t");
    if (indent_end != std::string::npos &&
        raw.substr(0, indent_end).find('\t') != std::string::npos) {
      return yaml_error(where, number, "tabs are not allowed in indentation");
    }
    std::string content = trim(strip_comment(raw));
    if (content.empty()) continue;
    if (content == "---") {
      if (document_started) return yaml_error(where, number, "more than one document");
      continue;
    }
    if (content == "...") break;
    document_started = true;
    Line line;
    line.number = number;
    line.indent = raw.find_first_not_of(' ');
    if (content == "-" || content.rfind("- ", 0) == 0) {
      line.item = true;
      content = trim(content.substr(1));
    }
    line.content = std::move(content);
    lines.push_back(std::move(line));
    if (end == text.size()) break;
  }
  return YamlParser(std::move(lines), where).parse_document();
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
  const std::string cluster_name = (*ctx)["context"].value("cluster", "");
  const std::string user_name = (*ctx)["context"].value("user", "");
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
  if (c.value("insecure-skip-tls-verify", false)) {
    return Error{"read kubeconfig", where,
                 "cluster '" + cluster_name + "' sets insecure-skip-tls-verify",
                 "kc always verifies the API server; give its CA in certificate-authority-data"};
  }
  const std::string base_dir = std::filesystem::path(kubeconfig_host_path).parent_path().string();
  ClusterCredentials out;
  out.server = c.value("server", "");
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
    auto parsed = parse_yaml_subset(content, host_path);
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
