// Safe extraction of a .tar.gz into one directory, staged so that nothing appears at a final
// path until every entry was read and checked. Only what kc needs from libarchive: the tar format
// and the gzip filter (no archive_write_disk, which would pull in ACL and xattr libraries).
// Absolute paths, ".." components and links pointing outside the destination are refused, and the
// whole archive with them: a tarball with one bad entry installs nothing.
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/core/error.h"

namespace kc {

// The entry's path relative to the destination ("./bin/x" -> "bin/x"); "" for the archive's
// root ("./"); an error for absolute paths and ".." components.
Result<std::string> safe_member_path(std::string_view name);

// True if a symlink at member path `link` with target `target` stays inside the destination.
bool link_stays_inside(std::string_view link, std::string_view target);

struct StagedFile {
  std::string rel_path;    // "bridge", "sub/x"
  std::string temp_path;   // absolute path of the staged temporary file
  std::string final_path;  // absolute path it is renamed to
  std::string sha256;      // of the content (empty for symlinks)
  bool symlink = false;
};

// Files extracted to temporary names beside their final paths. Uncommitted files are removed
// when this goes out of scope.
class StagedExtraction {
 public:
  StagedExtraction() = default;
  StagedExtraction(StagedExtraction&& other) noexcept : files_(std::move(other.files_)) {
    other.files_.clear();
  }
  StagedExtraction& operator=(StagedExtraction&&) = delete;
  StagedExtraction(const StagedExtraction&) = delete;
  ~StagedExtraction();

  const std::vector<StagedFile>& files() const { return files_; }
  std::vector<StagedFile>& files() { return files_; }
  // Renames every staged file into place and fsyncs the directories.
  Status commit();

 private:
  std::vector<StagedFile> files_;
};

// Reads tarball (gzip-compressed tar) and stages its regular files (mode `mode`), symlinks and
// hard links under dest. `label` names the artifact in errors.
Result<StagedExtraction> stage_tarball(const std::filesystem::path& tarball,
                                       const std::filesystem::path& dest, mode_t mode,
                                       const std::string& label);

}  // namespace kc
