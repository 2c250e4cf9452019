// The seam between kc and the host's filesystem. Every host path kc touches ("/opt/bin/kubelet",
// "/etc/systemd/system/...") goes through a Host, which maps it under a root directory: "/" on a
// real node, a scratch tree in tests (--root DIR). Nothing else in kc opens host paths directly.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "common/core/error.h"

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

class Host {
 public:
  explicit Host(const std::filesystem::path& root);

  const std::filesystem::path& root() const { return root_; }
  bool is_real_root() const { return root_ == "/"; }

  // Maps a host path ("/opt/bin/kubelet") to the path to open ("ROOT/opt/bin/kubelet").
  std::filesystem::path path(std::string_view host_path) const;

  // The file's content, or nullopt if it does not exist.
  Result<std::optional<std::string>> read_file(std::string_view host_path) const;
  Result<std::optional<FileInfo>> stat(std::string_view host_path) const;

  // Writes content atomically: a temporary file in the same directory, fsync, chmod, rename
  // over the final path, fsync of the directory. Creates missing parent directories (0755).
  Status write_file(std::string_view host_path, std::string_view content, mode_t mode) const;

  // Creates a directory and its missing parents (mode 0777 & ~umask, as mkdir -p).
  Status make_dirs(std::string_view host_path) const;
  Status chmod(std::string_view host_path, mode_t mode) const;
  // Removes a file; a missing file is not an error.
  Status remove(std::string_view host_path) const;

 private:
  std::filesystem::path root_;
};

// Writes content to an absolute path (not under a root) atomically, as Host::write_file does.
Status write_file_atomic(const std::filesystem::path& path, std::string_view content, mode_t mode);

}  // namespace kc
