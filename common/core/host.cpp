#include "common/core/host.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <istream>
#include <random>

#include "common/core/fd.h"
#include "common/core/root_path.h"
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

// The last component of a host path ("kubelet" of "/opt/bin/kubelet").
std::string leaf_of(std::string_view host_path) {
  return fs::path(host_path).filename().string();
}

// A name for a temporary file: ".NAME.kc-tmp-" and 6 random letters and digits (as mkstemp).
std::string temporary_name(std::string_view final_name) {
  static constexpr char kChars[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  thread_local std::mt19937_64 random{std::random_device{}()};
  std::string name = "." + std::string(final_name) + std::string(kTempMarker);
  for (int i = 0; i < 6; ++i) name += kChars[random() % (sizeof kChars - 1)];
  return name;
}

bool missing(int err) {
  return err == ENOENT || err == ENOTDIR;
}

}  // namespace

// --- StagedFile ---

StagedFile::StagedFile(StagedFile&& o) noexcept
    : host_(o.host_),
      host_path_(std::move(o.host_path_)),
      temp_(std::move(o.temp_)),
      dir_(std::move(o.dir_)),
      name_(std::move(o.name_)),
      fd_(std::exchange(o.fd_, -1)),
      committed_(o.committed_) {
  o.temp_.clear();
  o.name_.clear();
}

StagedFile& StagedFile::operator=(StagedFile&& o) noexcept {
  if (this != &o) {
    discard();
    host_ = o.host_;
    host_path_ = std::move(o.host_path_);
    temp_ = std::move(o.temp_);
    o.temp_.clear();
    dir_ = std::move(o.dir_);
    name_ = std::move(o.name_);
    o.name_.clear();
    fd_ = std::exchange(o.fd_, -1);
    committed_ = o.committed_;
  }
  return *this;
}

StagedFile::~StagedFile() {
  discard();
}

void StagedFile::discard() {
  if (!committed_ && !name_.empty() && dir_) ::unlinkat(dir_.get(), name_.c_str(), 0);
  temp_.clear();
  name_.clear();
  dir_.reset();
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

Status StagedFile::commit(mode_t mode, bool sync_dir) {
  if (host_ == nullptr || name_.empty() || committed_) {
    return Error{"commit", host_path_, "nothing staged", ""};
  }
  if (fd_ >= 0) {
    if (::fchmod(fd_, mode) != 0) return errno_error("chmod", temp_.string());
    if (::fsync(fd_) != 0) return errno_error("fsync", temp_.string());
  }
  const fs::path final_path = host_->path(host_path_);
  auto parent = host_->open_parent(host_path_, "rename into place");
  if (!parent) return std::move(parent).error();
  if (::renameat(dir_.get(), name_.c_str(), parent->dir.get(), parent->name.c_str()) != 0) {
    return errno_error("rename into place", final_path.string());
  }
  committed_ = true;
  temp_ = final_path;
  dir_ = std::move(parent->dir);
  name_ = std::move(parent->name);
  host_->notify(HostChange::write, host_path_);
  if (sync_dir) return host_->sync_dir(parent_of(host_path_));
  return {};
}

Result<struct stat> StagedFile::stat() const {
  struct stat st {};
  if (fd_ >= 0) {
    if (::fstat(fd_, &st) != 0) return errno_error("stat", temp_.string());
  } else if (!dir_ || ::fstatat(dir_.get(), name_.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
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

Result<UniqueFd> Host::open_operator_file(const fs::path& file, std::string_view what) {
  // O_NONBLOCK: a FIFO does not block the open; it has no effect on a regular file.
  UniqueFd fd(::open(file.c_str(), O_RDONLY | O_NOCTTY | O_NONBLOCK | O_CLOEXEC));
  if (!fd) return errno_error(std::string(what), file.string());
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) return errno_error(std::string(what), file.string());
  if (!S_ISREG(st.st_mode))
    return Error{std::string(what), file.string(), "not a regular file", ""};
  return fd;
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

int Host::open_in_root(std::string_view host_path, int flags, mode_t mode) const {
  UniqueFd root_dir(::open(root_.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
  if (!root_dir) return -1;
  return root_path::open_in_root(root_dir.get(), host_path, flags, mode);
}

Result<Host::Parent> Host::open_parent(std::string_view host_path, const char* verb) const {
  const std::string name = leaf_of(host_path);
  if (name.empty() || name == "." || name == "..") {
    return Error{verb, path(host_path).string(), "not a path to a file", ""};
  }
  UniqueFd dir(open_in_root(parent_of(host_path), O_PATH | O_DIRECTORY));
  if (!dir) return errno_error(verb, path(host_path).string());
  return Parent{std::move(dir), name};
}

Result<std::optional<std::string>> Host::read_file(std::string_view host_path) const {
  const fs::path p = path(host_path);
  UniqueFd fd(open_in_root(host_path, O_RDONLY | O_NOCTTY));
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
  UniqueFd fd(open_in_root(host_path, O_PATH));
  if (!fd || ::fstat(fd.get(), &st) != 0) {
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
  UniqueFd fd(open_in_root(host_path, O_PATH | O_NOFOLLOW));
  if (!fd || ::fstat(fd.get(), &st) != 0) {
    if (missing(errno)) return std::optional<struct stat>();
    return errno_error("stat", p.string());
  }
  return std::optional<struct stat>(st);
}

Result<std::optional<std::string>> Host::sha256(std::string_view host_path) const {
  const fs::path p = path(host_path);
  UniqueFd fd(open_in_root(host_path, O_RDONLY | O_NOFOLLOW | O_NOCTTY));
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
  const int fd = open_in_root(host_dir, O_RDONLY | O_DIRECTORY);
  DIR* d = fd < 0 ? nullptr : ::fdopendir(fd);
  if (d == nullptr) {
    const int err = errno;
    if (fd >= 0) ::close(fd);
    if (err == ENOENT) return names;
    return errno_error("list", p.string(), err);
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

Result<StagedFile> Host::stage_entry(std::string_view host_dir, std::string_view host_path) const {
  const std::string final_name = leaf_of(host_path);
  UniqueFd dir(open_in_root(host_dir, O_PATH | O_DIRECTORY));
  if (!dir) {
    return errno_error(
        "create temporary file",
        (path(host_dir) / ("." + final_name + std::string(kTempMarker) + "XXXXXX")).string());
  }
  std::string name;
  int fd = -1;
  for (int attempt = 0; attempt < 100 && fd < 0; ++attempt) {
    name = temporary_name(final_name);
    fd =
        ::openat(dir.get(), name.c_str(), O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0 && errno != EEXIST) break;
  }
  const fs::path temp = path(host_dir) / name;
  if (fd < 0) return errno_error("create temporary file", temp.string());
  StagedFile staged;
  staged.host_ = this;
  staged.host_path_ = std::string(host_path);
  staged.temp_ = temp;
  staged.dir_ = std::move(dir);
  staged.name_ = name;
  staged.fd_ = fd;
  notify(HostChange::stage, host_path);
  return staged;
}

Result<StagedFile> Host::stage(std::string_view host_path) const {
  return stage_entry(parent_of(host_path), host_path);
}

Result<StagedFile> Host::stage_in(std::string_view host_dir, std::string_view host_path) const {
  return stage_entry(host_dir, host_path);
}

Result<StagedFile> Host::stage_symlink(std::string_view host_path,
                                       const std::string& target) const {
  // Reserve a unique name, then put the link there instead.
  auto staged = stage_entry(parent_of(host_path), host_path);
  if (!staged) return staged;
  ::close(std::exchange(staged->fd_, -1));
  ::unlinkat(staged->dir_.get(), staged->name_.c_str(), 0);
  if (::symlinkat(target.c_str(), staged->dir_.get(), staged->name_.c_str()) != 0) {
    Error e = errno_error("symlink", staged->temp_.string());
    staged->name_.clear();
    return e;
  }
  return staged;
}

Result<StagedFile> Host::stage_hardlink(std::string_view host_path,
                                        const StagedFile& source) const {
  if (!source.dir_ || source.name_.empty()) {
    return Error{"link", path(host_path).string(), "the source is not staged", ""};
  }
  auto staged = stage_entry(parent_of(host_path), host_path);
  if (!staged) return staged;
  ::close(std::exchange(staged->fd_, -1));
  ::unlinkat(staged->dir_.get(), staged->name_.c_str(), 0);
  if (::linkat(source.dir_.get(), source.name_.c_str(), staged->dir_.get(), staged->name_.c_str(),
               0) != 0) {
    Error e = errno_error("link", staged->temp_.string());
    staged->name_.clear();
    return e;
  }
  return staged;
}

Result<StagedFile> Host::stage_previous(std::string_view host_path) const {
  auto st = lstat(host_path);
  if (!st) return std::move(st).error();
  if (!*st) return StagedFile();
  auto current = open_parent(host_path, "keep the previous file");
  if (!current) return std::move(current).error();
  auto staged = stage_entry(parent_of(host_path), host_path);
  if (!staged) return staged;
  ::close(std::exchange(staged->fd_, -1));
  ::unlinkat(staged->dir_.get(), staged->name_.c_str(), 0);
  if (::linkat(current->dir.get(), current->name.c_str(), staged->dir_.get(), staged->name_.c_str(),
               0) != 0) {
    Error e = errno_error("keep the previous file", path(host_path).string());
    staged->name_.clear();
    return e;
  }
  return staged;
}

Status Host::sync_dir(std::string_view host_dir) const {
  const fs::path p = path(host_dir);
  UniqueFd fd(open_in_root(host_dir, O_RDONLY | O_DIRECTORY));
  if (!fd) return errno_error("open directory", p.string());
  if (::fsync(fd.get()) != 0) return errno_error("fsync directory", p.string());
  return {};
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
  // The root itself is the operator's choice (--root DIR), created as given.
  if (fs::create_directories(root_, ec)) notify(HostChange::make_dirs, host_path);
  if (ec) return Error{"create directory", root_.string(), ec.message(), ""};
  // Each missing component is made in its parent as resolved inside the root, so a symlink on
  // the way is followed only within it.
  std::string prefix;
  bool made = false;
  for (const auto& part : fs::path(host_path).relative_path()) {
    const std::string name = part.string();
    if (name.empty() || name == ".") continue;
    const std::string parent = prefix.empty() ? "/" : prefix;
    prefix = join(parent, name);
    UniqueFd existing(open_in_root(prefix, O_PATH | O_DIRECTORY));
    if (existing) continue;
    if (errno != ENOENT || name == "..") return errno_error("create directory", p.string());
    UniqueFd dir(open_in_root(parent, O_PATH | O_DIRECTORY));
    if (!dir) return errno_error("create directory", p.string());
    if (::mkdirat(dir.get(), name.c_str(), 0777) != 0) {
      // Made meanwhile, or a symlink leading nowhere inside the root (as mkdir -p refuses).
      const int err = errno;
      if (err != EEXIST || !UniqueFd(open_in_root(prefix, O_PATH | O_DIRECTORY))) {
        return errno_error("create directory", path(prefix).string(), err);
      }
      continue;
    }
    made = true;
  }
  if (made) notify(HostChange::make_dirs, host_path);
  return {};
}

Result<UniqueFd> Host::open_lock_file(std::string_view host_path) const {
  const fs::path p = path(host_path);
  UniqueFd fd(open_in_root(host_path, O_RDWR | O_CREAT | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY, 0644));
  if (!fd) return errno_error("open lock file", p.string());
  // It is truncated and written: never through a FIFO, a device or a second name of a file.
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) return errno_error("open lock file", p.string());
  if (!S_ISREG(st.st_mode)) {
    return Error{"open lock file", p.string(), "not a regular file", "remove it; kc recreates it"};
  }
  if (st.st_nlink != 1) {
    return Error{"open lock file", p.string(), "it is a hard link to another file",
                 "remove it; kc recreates it"};
  }
  return fd;
}

Status Host::chmod(std::string_view host_path, mode_t mode) const {
  const fs::path p = path(host_path);
  auto parent = open_parent(host_path, "chmod");
  if (!parent) return std::move(parent).error();
  struct stat st {};
  if (::fstatat(parent->dir.get(), parent->name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
    return errno_error("chmod", p.string());
  }
  if (S_ISLNK(st.st_mode)) {  // its target, resolved inside the root too
    UniqueFd target(open_in_root(host_path, O_RDONLY | O_NONBLOCK | O_NOCTTY));
    if (!target || ::fchmod(target.get(), mode) != 0) return errno_error("chmod", p.string());
  } else if (::fchmodat(parent->dir.get(), parent->name.c_str(), mode, 0) != 0) {
    return errno_error("chmod", p.string());
  }
  notify(HostChange::set_mode, host_path);
  return {};
}

Status Host::chown(std::string_view host_path, uid_t uid, gid_t gid) const {
  const fs::path p = path(host_path);
  auto parent = open_parent(host_path, "chown");
  if (!parent) return std::move(parent).error();
  if (::fchownat(parent->dir.get(), parent->name.c_str(), uid, gid, AT_SYMLINK_NOFOLLOW) != 0) {
    return errno_error("chown", p.string());
  }
  notify(HostChange::set_mode, host_path);
  return {};
}

Status Host::write_kernel_setting(std::string_view host_path, std::string_view value) const {
  const fs::path p = path(host_path);
  UniqueFd fd(open_in_root(host_path, O_WRONLY | O_TRUNC | O_CLOEXEC | O_NOFOLLOW));
  if (fd.get() < 0) return errno_error("write kernel setting", p.string());
  const std::string line = std::string(value) + "\n";
  if (::write(fd.get(), line.data(), line.size()) != static_cast<ssize_t>(line.size())) {
    return errno_error("write kernel setting", p.string());
  }
  notify(HostChange::write, host_path);
  return {};
}

// Unlinks host_path (flags: AT_REMOVEDIR for a directory); a missing one is not an error.
Status Host::unlink_in_root(std::string_view host_path, int flags, const char* verb) const {
  const fs::path p = path(host_path);
  const std::string name = leaf_of(host_path);
  if (name.empty() || name == "." || name == "..") {
    return Error{verb, p.string(), "not a path to a file", ""};
  }
  UniqueFd dir(open_in_root(parent_of(host_path), O_PATH | O_DIRECTORY));
  if (!dir) {
    if (missing(errno)) return {};
    return errno_error(verb, p.string());
  }
  if (::unlinkat(dir.get(), name.c_str(), flags) != 0) {
    if (errno == ENOENT) return {};
    return errno_error(verb, p.string());
  }
  notify(HostChange::remove, host_path);
  return {};
}

Status Host::remove_dir(std::string_view host_path) const {
  return unlink_in_root(host_path, AT_REMOVEDIR, "remove directory");
}

Status Host::remove(std::string_view host_path) const {
  return unlink_in_root(host_path, 0, "remove");
}

}  // namespace kc
