// Safe extraction of a .tar.gz into one host directory, staged on the host seam (kc::Host) so
// that nothing appears at a final path until every entry was read and checked. Only what kc needs
// from libarchive: the tar format and the gzip filter (no archive_write_disk, which would pull in
// ACL and xattr libraries). Absolute paths, ".." components, links that leave the destination
// (also through other links of the same archive, or through symlinks already on the host),
// entries below a symlink and archives larger than a cap are refused, and the whole archive with
// them: a tarball with one bad entry installs nothing. Reading stages every file's content in the
// destination directory itself; directories and links are made only by commit(), which undoes
// what it already did when a later entry fails.
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <cstdint>
#include <functional>

#include <string>
#include <string_view>
#include <vector>

#include "common/core/error.h"
#include "common/core/host.h"

namespace kc {

// The entry's path relative to the destination ("./bin/x" -> "bin/x"); "" for the archive's
// root ("./"); an error for absolute paths and ".." components.
Result<std::string> safe_member_path(std::string_view name);

// True if a symlink at member path `link` with target `target` stays inside the destination,
// judged on its own (lexically). The archive as a whole is also checked with the links it makes.
bool link_stays_inside(std::string_view link, std::string_view target);

// The most an archive may extract to, holes of sparse files included (CNI plugins: ~250 MB).
inline constexpr std::uint64_t kMaxExtractedBytes = std::uint64_t{2} << 30;

// One entry of the archive, staged for its final path on the host.
struct StagedEntry {
  std::string rel_path;   // "bridge", "sub/x"
  std::string host_path;  // "/opt/cni/bin/bridge"
  std::string sha256;     // of the content (empty for symlinks)
  bool symlink = false;
  std::string link_target;          // a symlink's target
  std::ptrdiff_t hardlink_of = -1;  // a hard link: the index of the entry it links to
  StagedFile file;                  // a regular file's content (links are made on commit)
};

// Files extracted to temporary names beside their final paths. Uncommitted files are removed
// when this goes out of scope.
class StagedExtraction {
 public:
  explicit StagedExtraction(const Host& host) : host_(&host) {}

  const std::vector<StagedEntry>& entries() const { return entries_; }
  std::vector<StagedEntry>& entries() { return entries_; }
  // Directories to create (host paths, parents first).
  std::vector<std::string>& directories() { return directories_; }
  // Creates the directories, puts every entry in place (regular files get `mode`) and fsyncs the
  // directories. If one fails, what was already put in place is undone (replaced files are
  // restored, new ones and new directories removed) and the error returned.
  Status commit(mode_t mode);

 private:
  Status commit_all(mode_t mode, std::vector<std::string>& made_dirs,
                    std::vector<std::pair<std::string, StagedFile>>& replaced);

  const Host* host_;
  std::vector<StagedEntry> entries_;
  std::vector<std::string> directories_;
};

// Where an archive's bytes come from, in order: fills up to n bytes of buf and says how many,
// 0 at the end, or an error (returned by stage_tarball as it is).
using ArchiveReader = std::function<Result<size_t>(char* buf, size_t n)>;

// Reads a gzip-compressed tar from tarball_fd (from its start) and stages its regular files,
// symlinks and hard links under the host directory dest. `label` names the artifact in errors,
// `source` (its URL) says where it came from.
// At most max_bytes are extracted (sparse holes count).
Result<StagedExtraction> stage_tarball(const Host& host, int tarball_fd, const std::string& dest,
                                       const std::string& label, const std::string& source,
                                       std::uint64_t max_bytes = kMaxExtractedBytes);
// The same, reading the archive through `read` (a download still being written, for one).
Result<StagedExtraction> stage_tarball(const Host& host, const ArchiveReader& read,
                                       const std::string& dest, const std::string& label,
                                       const std::string& source,
                                       std::uint64_t max_bytes = kMaxExtractedBytes);

}  // namespace kc
