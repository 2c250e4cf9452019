#include "common/core/host.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <istream>

#include "common/core/fd.h"
#include "common/core/sha256.h"

namespace kc {

namespace fs = std::filesystem;

namespace {

constexpr std::string_view kTempMarker = ".kc-tmp-";

std::string parent_of(std::string_view host_path) {
  std::string parent = fs::path(host_path).parent_path().string();
  return parent.empty() ? "/" : parent;
}

std::string join(std::string_view dir, std::string_view name) {
  std::string out(dir);
  if (out.empty() || out.back() != '/') out += '/';
  return out + std::string(name);
}

Status write_all(int fd, const char* data, size_t size, const std::string& where) {
  size_t off = 0;
  while (off < size) {
    ssize_t n = ::write(fd, data + off, size - off);
    if (n < 0) {
      if (errno == EINTR) continue;
      return errno_error("write", where);
    }
    off += static_cast<size_t>(n);
  }
  return {};
}

}  // namespace

// --- StagedFile ---

StagedFile::StagedFile(StagedFile&& o) noexcept
    : host_(o.host_),
      host_path_(std::move(o.host_path_)),
      temp_(std::move(o.temp_)),
      fd_(std::exchange(o.fd_, -1)),
      committed_(o.committed_) {
  o.temp_.clear();
}

StagedFile& StagedFile::operator=(StagedFile&& o) noexcept {
  if (this != &o) {
    discard();
    host_ = o.host_;
    host_path_ = std::move(o.host_path_);
    temp_ = std::move(o.temp_);
    o.temp_.clear();
    fd_ = std::exchange(o.fd_, -1);
    committed_ = o.committed_;
  }
  return *this;
}

StagedFile::~StagedFile() {
  discard();
}

void StagedFile::discard() {
  if (!committed_ && !temp_.empty()) ::unlink(temp_.c_str());
  temp_.clear();
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

Status StagedFile::commit(mode_t mode, bool sync_dir) {
  if (host_ == nullptr || temp_.empty() || committed_) {
    return Error{"commit", host_path_, "nothing staged", ""};
  }
  if (fd_ >= 0) {
    if (::fchmod(fd_, mode) != 0) return errno_error("chmod", temp_.string());
    if (::fsync(fd_) != 0) return errno_error("fsync", temp_.string());
  }
  const fs::path final_path = host_->path(host_path_);
  if (::rename(temp_.c_str(), final_path.c_str()) != 0) {
    return errno_error("rename into place", final_path.string());
  }
  committed_ = true;
  temp_ = final_path;
  host_->notify(HostChange::write, host_path_);
  if (sync_dir) return host_->sync_dir(parent_of(host_path_));
  return {};
}

Result<struct stat> StagedFile::stat() const {
  struct stat st {};
  if (fd_ >= 0) {
    if (::fstat(fd_, &st) != 0) return errno_error("stat", temp_.string());
  } else if (::lstat(temp_.c_str(), &st) != 0) {
    return errno_error("stat", temp_.string());
  }
  return st;
}

// --- Host ---

Host::Host(const fs::path& root) : root_(fs::absolute(root).lexically_normal()) {
  // "ROOT/" and "ROOT" must compare equal; keep "/" as it is.
  if (root_ != "/" && root_.filename().empty()) root_ = root_.parent_path();
}

Host Host::for_operator_file(const fs::path& file, std::string& name) {
  const fs::path absolute = fs::absolute(file).lexically_normal();
  name = "/" + absolute.filename().string();
  return Host(absolute.parent_path());
}

fs::path Host::path(std::string_view host_path) const {
  fs::path p(host_path);
  if (p.is_absolute()) p = p.relative_path();
  return root_ / p;
}

void Host::notify(HostChange::Kind kind, std::string_view host_path) const {
  if (observer_) observer_(HostChange{kind, std::string(host_path)});
}

bool Host::is_temporary_name(std::string_view name) {
  return name.size() > 1 && name[0] == '.' && name.find(kTempMarker) != std::string_view::npos;
}

Result<std::optional<std::string>> Host::read_file(std::string_view host_path) const {
  const fs::path p = path(host_path);
  UniqueFd fd(::open(p.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) {
    if (errno == ENOENT) return std::optional<std::string>();
    return errno_error("read", p.string());
  }
  auto content = read_all(fd.get(), "read", p.string());
  if (!content) return content.error();
  return std::optional<std::string>(std::move(*content));
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

Result<std::optional<struct stat>> Host::lstat(std::string_view host_path) const {
  const fs::path p = path(host_path);
  struct stat st {};
  if (::lstat(p.c_str(), &st) != 0) {
    if (errno == ENOENT || errno == ENOTDIR) return std::optional<struct stat>();
    return errno_error("stat", p.string());
  }
  return std::optional<struct stat>(st);
}

Result<std::optional<std::string>> Host::sha256(std::string_view host_path) const {
  const fs::path p = path(host_path);
  UniqueFd fd(::open(p.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW));
  if (!fd) {
    if (errno == ENOENT) return std::optional<std::string>();
    return errno_error("hash", p.string());
  }
  auto digest = sha256_fd(fd.get(), p.string());
  if (!digest) return digest.error();
  return std::optional<std::string>(std::move(*digest));
}

Result<std::vector<std::string>> Host::list(std::string_view host_dir) const {
  const fs::path p = path(host_dir);
  std::vector<std::string> names;
  DIR* d = ::opendir(p.c_str());
  if (d == nullptr) {
    if (errno == ENOENT) return names;
    return errno_error("list", p.string());
  }
  while (dirent* e = ::readdir(d)) {
    std::string_view name(e->d_name);
    if (name != "." && name != "..") names.emplace_back(name);
  }
  ::closedir(d);
  std::sort(names.begin(), names.end());
  return names;
}

Result<std::vector<std::string>> Host::leftovers(std::string_view host_dir) const {
  auto names = list(host_dir);
  if (!names) return std::move(names).error();
  std::vector<std::string> out;
  for (const auto& n : *names) {
    if (is_temporary_name(n)) out.push_back(join(host_dir, n));
  }
  return out;
}

Result<std::vector<std::string>> Host::remove_leftovers(std::string_view host_dir) const {
  auto found = leftovers(host_dir);
  if (!found) return std::move(found).error();
  for (const auto& f : *found) KC_TRY(remove(f));
  return found;
}

Result<StagedFile> Host::stage_entry(std::string_view host_path) const {
  const fs::path final_path = path(host_path);
  std::string tmpl = (final_path.parent_path() /
                      ("." + final_path.filename().string() + std::string(kTempMarker) + "XXXXXX"))
                         .string();
  int fd = ::mkostemp(tmpl.data(), O_CLOEXEC);
  if (fd < 0) return errno_error("create temporary file", tmpl);
  StagedFile staged;
  staged.host_ = this;
  staged.host_path_ = std::string(host_path);
  staged.temp_ = tmpl;
  staged.fd_ = fd;
  notify(HostChange::stage, host_path);
  return staged;
}

Result<StagedFile> Host::stage(std::string_view host_path) const {
  return stage_entry(host_path);
}

Result<StagedFile> Host::stage_symlink(std::string_view host_path,
                                       const std::string& target) const {
  // Reserve a unique name, then put the link there instead.
  auto staged = stage_entry(host_path);
  if (!staged) return staged;
  ::close(std::exchange(staged->fd_, -1));
  ::unlink(staged->temp_.c_str());
  if (::symlink(target.c_str(), staged->temp_.c_str()) != 0) {
    Error e = errno_error("symlink", staged->temp_.string());
    staged->temp_.clear();
    return e;
  }
  return staged;
}

Result<StagedFile> Host::stage_hardlink(std::string_view host_path,
                                        const StagedFile& source) const {
  auto staged = stage_entry(host_path);
  if (!staged) return staged;
  ::close(std::exchange(staged->fd_, -1));
  ::unlink(staged->temp_.c_str());
  if (::link(source.temp_.c_str(), staged->temp_.c_str()) != 0) {
    Error e = errno_error("link", staged->temp_.string());
    staged->temp_.clear();
    return e;
  }
  return staged;
}

Status Host::sync_dir(std::string_view host_dir) const {
  return fsync_dir(path(host_dir));
}

Status Host::replace_atomically(std::string_view host_path, std::string_view content,
                                mode_t mode) const {
  KC_TRY(make_dirs(parent_of(host_path)));
  auto staged = stage(host_path);
  if (!staged) return std::move(staged).error();
  KC_TRY(write_all(staged->fd(), content.data(), content.size(), path(host_path).string()));
  return staged->commit(mode);
}

Status Host::replace_atomically(std::string_view host_path, std::istream& content,
                                mode_t mode) const {
  KC_TRY(make_dirs(parent_of(host_path)));
  auto staged = stage(host_path);
  if (!staged) return std::move(staged).error();
  char buf[65536];
  while (content) {
    content.read(buf, sizeof buf);
    KC_TRY(write_all(staged->fd(), buf, static_cast<size_t>(content.gcount()),
                     path(host_path).string()));
  }
  if (content.bad()) return Error{"read", path(host_path).string(), "the input stream failed", ""};
  return staged->commit(mode);
}

Status Host::make_dirs(std::string_view host_path) const {
  const fs::path p = path(host_path);
  std::error_code ec;
  if (fs::create_directories(p, ec)) notify(HostChange::make_dirs, host_path);
  if (ec) return Error{"create directory", p.string(), ec.message(), ""};
  return {};
}

Result<UniqueFd> Host::open_lock_file(std::string_view host_path) const {
  const fs::path p = path(host_path);
  UniqueFd fd(::open(p.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644));
  if (!fd) return errno_error("open lock file", p.string());
  return fd;
}

Status Host::chmod(std::string_view host_path, mode_t mode) const {
  const fs::path p = path(host_path);
  if (::chmod(p.c_str(), mode) != 0) return errno_error("chmod", p.string());
  notify(HostChange::set_mode, host_path);
  return {};
}

Status Host::remove(std::string_view host_path) const {
  const fs::path p = path(host_path);
  if (::unlink(p.c_str()) != 0) {
    if (errno == ENOENT) return {};
    return errno_error("remove", p.string());
  }
  notify(HostChange::remove, host_path);
  return {};
}

}  // namespace kc
