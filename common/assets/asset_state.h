// What kc installed, recorded in /var/lib/kc/assets.json so that a re-run with everything in
// place downloads nothing and hashes nothing:
//
//   {"artifacts": {"kubelet": {"source": URL, "sha256": DIGEST-OF-DOWNLOAD,
//       "files": [{"path": "/opt/bin/kubelet", "sha256": HEX, "size": N, "inode": N,
//                  "mtime_ns": N, "ctime_ns": N}]}}}
//
// A file counts as unchanged while its inode, size, mtime and ctime are the ones recorded: a
// replaced file has a new inode, a rewritten one new times, and ctime cannot be set back by
// touch(1). Anything else is hashed and compared with the recorded digest.
#pragma once

#include <sys/stat.h>

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "common/core/error.h"

namespace kc {

struct InstalledFile {
  std::string path;  // host path
  std::string sha256;
  uint64_t size = 0;
  uint64_t inode = 0;
  int64_t mtime_ns = 0;
  int64_t ctime_ns = 0;
};

struct InstalledArtifact {
  std::string source;  // URL it came from
  std::string sha256;  // digest of the download
  std::vector<InstalledFile> files;
};

struct AssetState {
  std::map<std::string, InstalledArtifact> artifacts;
};

inline constexpr std::string_view kAssetStatePath = "/var/lib/kc/assets.json";

std::string to_json(const AssetState& state);
Result<AssetState> parse_asset_state(std::string_view json);

// Fills the stat fields of `file` from st.
void record_stat(InstalledFile& file, const struct stat& st);
// True if st still describes the file as recorded.
bool stat_matches(const InstalledFile& file, const struct stat& st);

}  // namespace kc
