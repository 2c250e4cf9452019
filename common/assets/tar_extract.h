// Safe extraction of a .tar.gz into one host directory, staged on the host seam (kc::Host) so
// that nothing appears at a final path until every entry was read and checked. Only what kc needs
// from libarchive: the tar format and the gzip filter (no archive_write_disk, which would pull in
// ACL and xattr libraries). Absolute paths, ".." components and links pointing outside the
// destination are refused, and the whole archive with them: a tarball with one bad entry installs
// nothing.
#pragma once

#include <sys/types.h>

#include <string>
#include <string_view>
#include <vector>

#include "common/core/error.h"
#include "common/core/host.h"

namespace kc {

// The entry's path relative to the destination ("./bin/x" -> "bin/x"); "" for the archive's
// root ("./"); an error for absolute paths and ".." components.
Result<std::string> safe_member_path(std::string_view name);

// True if a symlink at member path `link` with target `target` stays inside the destination.
bool link_stays_inside(std::string_view link, std::string_view target);

// One entry staged beside its final path on the host.
struct StagedEntry {
  std::string rel_path;   // "bridge", "sub/x"
  std::string host_path;  // "/opt/cni/bin/bridge"
  std::string sha256;     // of the content (empty for symlinks)
  bool symlink = false;
  StagedFile file;
};

// Files extracted to temporary names beside their final paths. Uncommitted files are removed
// when this goes out of scope.
class StagedExtraction {
 public:
  explicit StagedExtraction(const Host& host) : host_(&host) {}

  const std::vector<StagedEntry>& entries() const { return entries_; }
  std::vector<StagedEntry>& entries() { return entries_; }
  // Renames every staged file into place (regular files get `mode`) and fsyncs the directories.
  Status commit(mode_t mode);

 private:
  const Host* host_;
  std::vector<StagedEntry> entries_;
};

// Reads a gzip-compressed tar from tarball_fd (from its start) and stages its regular files,
// symlinks and hard links under the host directory dest. `label` names the artifact in errors,
// `source` (its URL) says where it came from.
Result<StagedExtraction> stage_tarball(const Host& host, int tarball_fd, const std::string& dest,
                                       const std::string& label, const std::string& source);

}  // namespace kc
