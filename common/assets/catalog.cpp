#include "common/assets/catalog.h"

#include <nlohmann/json.hpp>

#include <cctype>
#include <stdexcept>

#include "common/core/platform.h"
#include "common/core/sha256.h"
#include "common/net/downloader.h"
#include "common/net/http.h"

namespace kc {

extern const std::string_view kBuiltinCatalogJson;

namespace {

using nlohmann::json;

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

Result<std::string> get_string(const json& object, const char* key, const std::string& where) {
  auto it = object.find(key);
  if (it == object.end() || !it->is_string() || it->get<std::string>().empty()) {
    return Error{"read catalog", where, std::string("\"") + key + "\" must be a non-empty string",
                 ""};
  }
  return it->get<std::string>();
}

Result<CatalogEntry> parse_entry(const json& item, const std::string& where) {
  if (!item.is_object()) return Error{"read catalog", where, "an artifact must be an object", ""};
  CatalogEntry entry;
  auto name = get_string(item, "name", where);
  if (!name) return std::move(name).error();
  entry.name = *name;
  const std::string at = where + ": artifact \"" + entry.name + "\"";
  auto kind = get_string(item, "kind", at);
  if (!kind) return std::move(kind).error();
  if (*kind == "binary") {
    entry.kind = ArtifactKind::binary;
  } else if (*kind == "tarball") {
    entry.kind = ArtifactKind::tarball;
  } else {
    return Error{"read catalog", at,
                 "\"kind\" must be \"binary\" or \"tarball\", got \"" + *kind + "\"", ""};
  }
  auto version = get_string(item, "version", at);
  if (!version) return std::move(version).error();
  if (*version != "kubernetes" && !is_release_version(*version)) {
    return Error{
        "read catalog", at,
        "\"version\" must be \"kubernetes\" or MAJOR.MINOR.PATCH, got \"" + *version + "\"", ""};
  }
  entry.version = *version;
  auto url = get_string(item, "url", at);
  if (!url) return std::move(url).error();
  if (url->rfind("https://", 0) != 0 && url->rfind("http://", 0) != 0) {
    return Error{"read catalog", at, "\"url\" must start with https:// or http://", ""};
  }
  entry.url = *url;
  auto destination = get_string(item, "destination", at);
  if (!destination) return std::move(destination).error();
  if ((*destination)[0] != '/' || destination->find("..") != std::string::npos) {
    return Error{"read catalog", at, "\"destination\" must be an absolute path without \"..\"", ""};
  }
  entry.destination = *destination;
  if (!is_artifact_name(entry.name)) {
    return Error{"read catalog", where,
                 "artifact name \"" + entry.name +
                     "\" must be a file name: 1 to 64 of A-Z a-z 0-9 . _ -, not starting with '.'",
                 ""};
  }
  if (auto size = item.find("max_size"); size != item.end()) {
    if (!size->is_number_unsigned() || size->get<uint64_t>() == 0 ||
        size->get<uint64_t>() > kMaxDownloadBytes) {
      return Error{
          "read catalog", at,
          "\"max_size\" must be a number of bytes from 1 to " + std::to_string(kMaxDownloadBytes),
          ""};
    }
    entry.max_size = size->get<uint64_t>();
  }
  auto digests = item.find("sha256");
  if (digests != item.end()) {
    if (!digests->is_object()) {
      return Error{"read catalog", at, "\"sha256\" must map arch to {version: digest}", ""};
    }
    for (const auto& [arch, versions] : digests->items()) {
      if (!versions.is_object()) {
        return Error{"read catalog", at, "\"sha256\"." + arch + " must map version to digest", ""};
      }
      for (const auto& [v, digest] : versions.items()) {
        if (!digest.is_string() || !is_sha256_hex(digest.get<std::string>())) {
          return Error{"read catalog", at,
                       "\"sha256\"." + arch + "." + v + " must be 64 hex digits", ""};
        }
        entry.sha256[arch][v] = lower(digest.get<std::string>());
      }
    }
  }
  if (auto sizes = item.find("size"); sizes != item.end()) {
    const uint64_t most = entry.max_size.value_or(kMaxDownloadBytes);
    if (!sizes->is_object()) {
      return Error{"read catalog", at, "\"size\" must map arch to {version: bytes}", ""};
    }
    for (const auto& [arch, versions] : sizes->items()) {
      if (!versions.is_object()) {
        return Error{"read catalog", at, "\"size\"." + arch + " must map version to bytes", ""};
      }
      for (const auto& [v, bytes] : versions.items()) {
        if (!bytes.is_number_unsigned() || bytes.get<uint64_t>() == 0 ||
            bytes.get<uint64_t>() > most) {
          return Error{"read catalog", at,
                       "\"size\"." + arch + "." + v + " must be a number of bytes from 1 to " +
                           std::to_string(most) + (entry.max_size ? " (its max_size)" : ""),
                       ""};
        }
        entry.size[arch][v] = bytes.get<uint64_t>();
      }
    }
  }
  return entry;
}

void replace_all(std::string& s, std::string_view from, std::string_view to) {
  for (size_t pos = s.find(from); pos != std::string::npos; pos = s.find(from, pos + to.size())) {
    s.replace(pos, from.size(), to);
  }
}

}  // namespace

bool is_artifact_name(std::string_view name) {
  if (name.empty() || name.size() > 64 || name[0] == '.') return false;
  for (char c : name) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '.' && c != '_' && c != '-') {
      return false;
    }
  }
  return true;
}

std::string_view to_string(ArtifactKind kind) {
  return kind == ArtifactKind::binary ? "binary" : "tarball";
}

Result<Catalog> parse_catalog(std::string_view text, std::string_view source) {
  const std::string where(source);
  json root = json::parse(text, nullptr, false);
  if (root.is_discarded()) return Error{"read catalog", where, "not valid JSON", ""};
  if (!root.is_object() || !root.contains("artifacts") || !root["artifacts"].is_array()) {
    return Error{"read catalog", where, "expected an object with an \"artifacts\" array", ""};
  }
  Catalog catalog;
  for (const auto& item : root["artifacts"]) {
    auto entry = parse_entry(item, where);
    if (!entry) return std::move(entry).error();
    for (const auto& existing : catalog.entries) {
      if (existing.name == entry->name) {
        return Error{"read catalog", where, "artifact \"" + entry->name + "\" appears twice", ""};
      }
    }
    catalog.entries.push_back(std::move(*entry));
  }
  if (catalog.entries.empty()) return Error{"read catalog", where, "no artifacts", ""};
  return catalog;
}

Catalog parse_builtin_catalog(std::string_view json) {
  auto parsed = parse_catalog(json, "built-in catalog");
  if (!parsed) throw std::logic_error("kc's " + parsed.error().message() + " (a bug in kc)");
  return std::move(*parsed);
}

const Catalog& builtin_catalog() {
  static const Catalog catalog = parse_builtin_catalog(kBuiltinCatalogJson);
  return catalog;
}

Result<std::string> rewrite_to_mirror(std::string_view url, std::string_view mirror) {
  const size_t scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos) {
    return Error{"rewrite to mirror", std::string(url), "not an absolute URL", ""};
  }
  const size_t path_start = url.find('/', scheme_end + 3);
  const std::string_view path = path_start == std::string_view::npos ? "/" : url.substr(path_start);
  if (mirror.rfind("https://", 0) != 0 && mirror.rfind("http://", 0) != 0) {
    return Error{"--mirror", std::string(mirror), "must start with https:// or http://", ""};
  }
  std::string base(mirror);
  while (!base.empty() && base.back() == '/') base.pop_back();
  return base + std::string(path);
}

Result<std::vector<Artifact>> resolve(const Catalog& catalog, const ResolveOptions& options) {
  std::vector<Artifact> out;
  for (const auto& entry : catalog.entries) {
    Artifact a;
    a.name = entry.name;
    a.kind = entry.kind;
    a.version = entry.version == "kubernetes" ? options.kubernetes_version : entry.version;
    a.arch = options.arch;
    a.destination = entry.destination;
    a.max_size = entry.max_size;
    a.url = entry.url;
    replace_all(a.url, "{version}", a.version);
    replace_all(a.url, "{arch}", a.arch);
    if (!options.mirror.empty()) {
      auto mirrored = rewrite_to_mirror(a.url, options.mirror);
      if (!mirrored) return std::move(mirrored).error();
      a.url = *mirrored;
    }
    auto arch_it = entry.sha256.find(a.arch);
    if (arch_it != entry.sha256.end()) {
      auto v = arch_it->second.find(a.version);
      if (v != arch_it->second.end()) a.sha256 = v->second;
    }
    if (auto sizes = entry.size.find(a.arch); sizes != entry.size.end()) {
      if (auto v = sizes->second.find(a.version); v != sizes->second.end()) a.size = v->second;
    }
    if (!a.sha256 && !options.allow_unpinned) {
      return Error{"install " + a.name, a.name + " " + a.version + " (" + a.arch + ")",
                   "no pinned SHA-256 digest for this version in the catalog",
                   "use a pinned version, add its digest with --catalog, or pass --allow-unpinned "
                   "to check it against the upstream .sha256 file (a weaker check)"};
    }
    if (!a.sha256 && http::is_plain_http_off_host(a.url)) {
      return Error{"install " + a.name, a.url,
                   "plain http without a pinned digest: nothing would authenticate the download "
                   "(its .sha256 would come over plain http too)",
                   "use an https URL or --mirror, or pin the digest with --catalog"};
    }
    out.push_back(std::move(a));
  }
  return out;
}

Result<std::string> parse_sha256_file(std::string_view content, std::string_view url) {
  size_t start = 0;
  while (start < content.size() && std::isspace(static_cast<unsigned char>(content[start])))
    ++start;
  size_t end = start;
  while (end < content.size() && !std::isspace(static_cast<unsigned char>(content[end]))) ++end;
  const std::string_view digest = content.substr(start, end - start);
  if (!is_sha256_hex(digest)) {
    return Error{"read published digest", std::string(url),
                 "expected \"HEX\" or \"HEX  FILENAME\" with a 64-digit SHA-256", ""};
  }
  return lower(std::string(digest));
}

}  // namespace kc
