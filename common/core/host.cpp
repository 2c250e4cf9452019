#include "common/core/host.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

#include "common/core/fd.h"

namespace kc {

namespace fs = std::filesystem;

Host::Host(const fs::path& root) : root_(fs::absolute(root).lexically_normal()) {
  // "ROOT/" and "ROOT" must compare equal; keep "/" as it is.
  if (root_ != "/" && root_.filename().empty()) root_ = root_.parent_path();
}

fs::path Host::path(std::string_view host_path) const {
  fs::path p(host_path);
  if (p.is_absolute()) p = p.relative_path();
  return root_ / p;
}

Result<std::optional<std::string>> Host::read_file(std::string_view host_path) const {
  const fs::path p = path(host_path);
  UniqueFd fd(::open(p.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) {
    if (errno == ENOENT) return std::optional<std::string>();
    return errno_error("read", p.string());
  }
  std::string content;
  char buf[65536];
  for (;;) {
    ssize_t n = ::read(fd.get(), buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) continue;
      return errno_error("read", p.string());
    }
    if (n == 0) break;
    content.append(buf, static_cast<size_t>(n));
  }
  return std::optional<std::string>(std::move(content));
}

Result<std::optional<FileInfo>> Host::stat(std::string_view host_path) const {
  const fs::path p = path(host_path);
  struct stat st {};
  if (::stat(p.c_str(), &st) != 0) {
    if (errno == ENOENT) return std::optional<FileInfo>();
    return errno_error("stat", p.string());
  }
  const std::int64_t mtime_us =
      std::int64_t{st.st_mtim.tv_sec} * 1000000 + st.st_mtim.tv_nsec / 1000;
  return std::optional<FileInfo>(FileInfo{st.st_mode & 07777, st.st_size, mtime_us});
}

Status Host::write_file(std::string_view host_path, std::string_view content, mode_t mode) const {
  const fs::path p = path(host_path);
  KC_TRY(make_dirs(fs::path(host_path).parent_path().string()));
  return write_file_atomic(p, content, mode);
}

Status Host::make_dirs(std::string_view host_path) const {
  const fs::path p = path(host_path);
  std::error_code ec;
  fs::create_directories(p, ec);
  if (ec) return Error{"create directory", p.string(), ec.message(), ""};
  return {};
}

Status Host::chmod(std::string_view host_path, mode_t mode) const {
  const fs::path p = path(host_path);
  if (::chmod(p.c_str(), mode) != 0) return errno_error("chmod", p.string());
  return {};
}

Status Host::remove(std::string_view host_path) const {
  const fs::path p = path(host_path);
  if (::unlink(p.c_str()) != 0 && errno != ENOENT) return errno_error("remove", p.string());
  return {};
}

Status write_file_atomic(const fs::path& p, std::string_view content, mode_t mode) {
  const fs::path dir = p.parent_path().empty() ? fs::path(".") : p.parent_path();
  std::string tmpl = (dir / ("." + p.filename().string() + ".kc-tmp-XXXXXX")).string();
  UniqueFd fd(::mkostemp(tmpl.data(), O_CLOEXEC));
  if (!fd) return errno_error("create temporary file", tmpl);
  TempFileGuard guard(tmpl);
  size_t off = 0;
  while (off < content.size()) {
    ssize_t n = ::write(fd.get(), content.data() + off, content.size() - off);
    if (n < 0) {
      if (errno == EINTR) continue;
      return errno_error("write", p.string());
    }
    off += static_cast<size_t>(n);
  }
  if (::fchmod(fd.get(), mode) != 0) return errno_error("chmod", tmpl);
  if (::fsync(fd.get()) != 0) return errno_error("fsync", tmpl);
  if (::rename(tmpl.c_str(), p.c_str()) != 0) return errno_error("rename into place", p.string());
  guard.release();
  return fsync_dir(dir);
}

}  // namespace kc
