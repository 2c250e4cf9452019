#include "common/assets/asset_state.h"

#include <nlohmann/json.hpp>

#include "common/core/sha256.h"

namespace kc {

using nlohmann::json;

namespace {

int64_t nanos(const struct timespec& ts) {
  return static_cast<int64_t>(ts.tv_sec) * 1000000000 + ts.tv_nsec;
}

}  // namespace

std::string to_json(const AssetState& state) {
  json artifacts = json::object();
  for (const auto& [name, a] : state.artifacts) {
    json files = json::array();
    for (const auto& f : a.files) {
      files.push_back({{"path", f.path},
                       {"sha256", f.sha256},
                       {"size", f.size},
                       {"inode", f.inode},
                       {"mtime_ns", f.mtime_ns},
                       {"ctime_ns", f.ctime_ns}});
    }
    artifacts[name] = {{"source", a.source}, {"sha256", a.sha256}, {"files", files}};
  }
  // Never throws: bytes that are not UTF-8 (a URL from a flag) become U+FFFD instead of a
  // type_error escaping from a downloader thread.
  return json{{"artifacts", artifacts}}.dump(2, ' ', false, json::error_handler_t::replace) + "\n";
}

Result<AssetState> parse_asset_state(std::string_view text) {
  const Error bad{"read asset state", std::string(kAssetStatePath), "not kc's asset state format",
                  "kc reinstalls every artifact"};
  json root = json::parse(text, nullptr, false);
  if (root.is_discarded() || !root.is_object() || !root.contains("artifacts") ||
      !root["artifacts"].is_object()) {
    return bad;
  }
  AssetState state;
  try {
    for (const auto& [name, a] : root["artifacts"].items()) {
      InstalledArtifact artifact;
      artifact.source = a.at("source").get<std::string>();
      artifact.sha256 = a.at("sha256").get<std::string>();
      for (const auto& f : a.at("files")) {
        InstalledFile file;
        file.path = f.at("path").get<std::string>();
        file.sha256 = f.at("sha256").get<std::string>();
        file.size = f.at("size").get<uint64_t>();
        file.inode = f.at("inode").get<uint64_t>();
        file.mtime_ns = f.at("mtime_ns").get<int64_t>();
        file.ctime_ns = f.at("ctime_ns").get<int64_t>();
        if (file.path.empty() || file.path[0] != '/' || !is_sha256_hex(file.sha256)) return bad;
        artifact.files.push_back(std::move(file));
      }
      state.artifacts[name] = std::move(artifact);
    }
  } catch (const json::exception&) {
    return bad;
  }
  return state;
}

void record_stat(InstalledFile& file, const struct stat& st) {
  file.size = static_cast<uint64_t>(st.st_size);
  file.inode = static_cast<uint64_t>(st.st_ino);
  file.mtime_ns = nanos(st.st_mtim);
  file.ctime_ns = nanos(st.st_ctim);
}

bool stat_matches(const InstalledFile& file, const struct stat& st) {
  return S_ISREG(st.st_mode) && (st.st_mode & 07777) == 0755 &&
         file.size == static_cast<uint64_t>(st.st_size) &&
         file.inode == static_cast<uint64_t>(st.st_ino) && file.mtime_ns == nanos(st.st_mtim) &&
         file.ctime_ns == nanos(st.st_ctim);
}

}  // namespace kc
