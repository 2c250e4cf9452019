// The seam between kc and the host's filesystem. Every host path kc touches ("/opt/bin/kubelet",
// "/etc/systemd/system/...") goes through a Host, which maps it under a root directory: "/" on a
// real node, a scratch tree in tests (--root DIR). Nothing else in kc opens host paths: steps
// read, list, hash, stage and replace files only through these primitives, and every change they
// make is reported to the Host's observer, so a test can see all of them.
//
// Host paths are resolved inside the root, as if it were "/" (common/core/root_path.h): a
// symlink under the root, also an absolute one or one climbing with "..", never leads outside
// it. Every open, mkdir, rename, link and unlink works on directory fds resolved that way.
//
// A file of the operator's (fetch -o FILE) is not a host path; code writing one uses a Host
// rooted at that file's directory (Host::for_operator_file), so it gets the same atomic writes.
#pragma once

#include <sys/stat.h>
#include <sys/types.h>

#include <cstdint>
#include <filesystem>
#include <functional>
#include <iosfwd>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/core/error.h"
#include "common/core/fd.h"

namespace kc {

// Well-known host locations, as absolute host paths (before mapping under the root).
namespace paths {
inline constexpr std::string_view opt_bin = "/opt/bin";
inline constexpr std::string_view cni_bin = "/opt/cni/bin";
inline constexpr std::string_view systemd_units = "/etc/systemd/system";
inline constexpr std::string_view kubernetes = "/etc/kubernetes";
inline constexpr std::string_view kc_config = "/etc/kc";
inline constexpr std::string_view kc_state = "/var/lib/kc";
inline constexpr std::string_view run = "/run";
}  // namespace paths

struct FileInfo {
  mode_t mode = 0;  // permission bits only
  off_t size = 0;
  std::int64_t mtime_us = 0;  // last modification, CLOCK_REALTIME microseconds
};

// A change a Host made, for its observer.
struct HostChange {
  enum Kind {
    write,      // replaced a file atomically (replace_atomically, write_file, a committed stage)
    set_mode,   // chmod
    remove,     // a file removed (remove, remove_leftovers)
    make_dirs,  // created missing directories
    stage,      // created a temporary file beside a final path (removed unless committed)
  };
  Kind kind;
  std::string host_path;  // the final path (for stage: the path it is meant for)
};

// Called for every change, from whichever thread made it (downloads install from their own
// threads): an observer must be thread-safe.
using HostObserver = std::function<void(const HostChange&)>;

class Host;

// A temporary file (".NAME.kc-tmp-XXXXXX") in the directory of a final host path, written
// through fd(); commit() puts it in place atomically. Removed when destroyed uncommitted, so an
// error anywhere leaves nothing at the final path and no temporary file.
class StagedFile {
 public:
  StagedFile() = default;
  StagedFile(StagedFile&& other) noexcept;
  StagedFile& operator=(StagedFile&& other) noexcept;
  StagedFile(const StagedFile&) = delete;
  StagedFile& operator=(const StagedFile&) = delete;
  ~StagedFile();

  int fd() const { return fd_; }  // -1 for a staged link
  bool empty() const { return temp_.empty() && !committed_; }
  const std::string& host_path() const { return host_path_; }
  bool committed() const { return committed_; }

  // fchmod (regular files) and fsync, rename over the final path, fsync of the directory
  // (skipped with sync_dir = false, for a caller committing many files to one directory: it
  // calls Host::sync_dir once after).
  Status commit(mode_t mode, bool sync_dir = true);
  // The staged (or committed) file's status, without following a symlink.
  Result<struct stat> stat() const;
  // Removes the temporary file now.
  void discard();

 private:
  friend class Host;
  const Host* host_ = nullptr;
  std::string host_path_;
  std::filesystem::path temp_;  // the temporary file's path, for messages
  UniqueFd dir_;                // the directory it is in (after commit: the final one)
  std::string name_;            // its name there
  int fd_ = -1;
  bool committed_ = false;
};

class Host {
 public:
  explicit Host(const std::filesystem::path& root);

  // A Host for a file of the operator's (not a host path): rooted at the file's directory,
  // relative paths taken from the working directory. `name` receives the path to pass to it.
  static Host for_operator_file(const std::filesystem::path& file, std::string& name);
  // A file of the operator's opened to be read by stream (read_chunks), as given: relative to the
  // working directory, symlinks followed, so /proc/self/exe is the running binary. An error
  // {what, file, why} unless it is a regular file.
  static Result<UniqueFd> open_operator_file(const std::filesystem::path& file,
                                             std::string_view what);

  const std::filesystem::path& root() const { return root_; }
  bool is_real_root() const { return root_ == "/"; }

  // Every change this Host makes is reported to `observer` (tests record them). Not owned.
  void set_observer(HostObserver observer) { observer_ = std::move(observer); }

  // Maps a host path ("/opt/bin/kubelet") to the path to open ("ROOT/opt/bin/kubelet"). Only
  // for messages and for the few callers that hand a path to another process; steps use the
  // primitives below.
  std::filesystem::path path(std::string_view host_path) const;

  // --- observing ---
  // The file's content, or nullopt if it does not exist.
  Result<std::optional<std::string>> read_file(std::string_view host_path) const;
  Result<std::optional<FileInfo>> stat(std::string_view host_path) const;
  // The entry itself (a symlink is not followed), or nullopt if it does not exist.
  Result<std::optional<struct stat>> lstat(std::string_view host_path) const;
  // SHA-256 of a regular file's content (a symlink is not followed), or nullopt if missing.
  Result<std::optional<std::string>> sha256(std::string_view host_path) const;
  // The names in a directory, sorted, without "." and ".."; empty if it does not exist.
  Result<std::vector<std::string>> list(std::string_view host_dir) const;
  // Temporary files an interrupted kc left in a directory, as host paths.
  Result<std::vector<std::string>> leftovers(std::string_view host_dir) const;

  // --- changing ---
  // Replaces a file atomically: a staged temporary file, fsync, chmod, rename over the final
  // path, fsync of the directory. Creates missing parent directories (0755).
  Status replace_atomically(std::string_view host_path, std::string_view content,
                            mode_t mode) const;
  // The same, from a stream (read to its end).
  Status replace_atomically(std::string_view host_path, std::istream& content, mode_t mode) const;
  // The old name of replace_atomically(content).
  Status write_file(std::string_view host_path, std::string_view content, mode_t mode) const {
    return replace_atomically(host_path, content, mode);
  }

  // A temporary regular file beside host_path (whose directory must exist).
  Result<StagedFile> stage(std::string_view host_path) const;
  // A temporary symlink to `target` beside host_path.
  Result<StagedFile> stage_symlink(std::string_view host_path, const std::string& target) const;
  // A temporary regular file in host_dir that commit() renames to host_path (a path in another
  // directory of the same filesystem; its directory must exist by then). The temporary name is
  // one leftovers(host_dir) finds.
  Result<StagedFile> stage_in(std::string_view host_dir, std::string_view host_path) const;
  // A temporary hard link to another staged file, beside host_path.
  Result<StagedFile> stage_hardlink(std::string_view host_path, const StagedFile& source) const;
  // What is at host_path now (a file or a symlink, not followed), hard-linked to a temporary
  // name beside it, so a replacement can be undone: commit() puts it back, dropping it deletes
  // only the extra link. An empty StagedFile (committed() false, nothing staged) if nothing is
  // there.
  Result<StagedFile> stage_previous(std::string_view host_path) const;
  // fsync of a directory, so renames into it survive a crash.
  Status sync_dir(std::string_view host_dir) const;

  // Creates a directory and its missing parents (mode 0777 & ~umask, as mkdir -p).
  Status make_dirs(std::string_view host_path) const;
  // Opens (creating it 0644 if missing) a file kept open for flock(2), such as /run/kc.lock.
  Result<UniqueFd> open_lock_file(std::string_view host_path) const;
  Status chmod(std::string_view host_path, mode_t mode) const;
  // Changes the owner of an entry (a symlink itself, not its target).
  Status chown(std::string_view host_path, uid_t uid, gid_t gid) const;
  // Writes "VALUE\n" into an existing kernel file in place (/proc/sys/..., /sys/...), which
  // cannot be replaced by a rename; never creates it.
  Status write_kernel_setting(std::string_view host_path, std::string_view value) const;
  // Removes a file; a missing file is not an error.
  Status remove(std::string_view host_path) const;
  // Removes an empty directory; a missing one is not an error.
  Status remove_dir(std::string_view host_path) const;
  // Removes what leftovers(host_dir) lists; returns the host paths removed.
  Result<std::vector<std::string>> remove_leftovers(std::string_view host_dir) const;

  // True for the name of a temporary file kc stages (".kubelet.kc-tmp-AbC123").
  static bool is_temporary_name(std::string_view name);

 private:
  friend class StagedFile;
  void notify(HostChange::Kind kind, std::string_view host_path) const;
  Result<StagedFile> stage_entry(std::string_view host_dir, std::string_view host_path) const;
  // open(2) of a host path resolved inside the root (see common/core/root_path.h): -1 and errno.
  int open_in_root(std::string_view host_path, int flags, mode_t mode = 0) const;
  // The directory holding host_path, resolved inside the root, and the last component's name.
  struct Parent {
    UniqueFd dir;
    std::string name;
  };
  Result<Parent> open_parent(std::string_view host_path, const char* verb) const;
  Status unlink_in_root(std::string_view host_path, int flags, const char* verb) const;

  std::filesystem::path root_;
  HostObserver observer_;
};

}  // namespace kc
