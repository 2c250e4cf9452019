#include "common/core/root_path.h"

#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <deque>
#include <string>
#include <vector>

#include "common/core/fd.h"

namespace kc::root_path {
namespace {

constexpr int kMaxSymlinks = 40;  // the kernel's MAXSYMLINKS

std::atomic<bool> openat2_unavailable{false};

void split_into(std::string_view path, std::deque<std::string>& out, bool front) {
  std::vector<std::string> parts;
  size_t pos = 0;
  while (pos <= path.size()) {
    size_t next = path.find('/', pos);
    if (next == std::string_view::npos) next = path.size();
    std::string_view part = path.substr(pos, next - pos);
    if (!part.empty() && part != ".") parts.emplace_back(part);
    pos = next + 1;
  }
  if (front) {
    out.insert(out.begin(), parts.begin(), parts.end());
  } else {
    out.insert(out.end(), parts.begin(), parts.end());
  }
}

int with_openat2(int root_fd, std::string_view path, int flags, mode_t mode) {
  std::string rel(path);
  while (!rel.empty() && rel.front() == '/') rel.erase(0, 1);
  if (rel.empty()) rel = ".";
  open_how how{};
  how.flags = static_cast<unsigned long long>(flags | O_CLOEXEC);
  how.mode = (flags & (O_CREAT | O_TMPFILE)) ? mode : 0;
  how.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS;
  int fd = -1;
  // EAGAIN: a concurrent rename kept the kernel from proving ".." stayed inside; it may be retried.
  for (int attempt = 0; attempt < 8; ++attempt) {
    fd = static_cast<int>(::syscall(SYS_openat2, root_fd, rel.c_str(), &how, sizeof how));
    if (fd >= 0 || errno != EAGAIN) break;
  }
  return fd;
}

// Reads the symlink `fd` refers to (opened O_PATH | O_NOFOLLOW).
bool read_link(int fd, std::string& target) {
  char buf[4096];
  ssize_t n = ::readlinkat(fd, "", buf, sizeof buf);
  if (n < 0 || static_cast<size_t>(n) >= sizeof buf) {
    if (n >= 0) errno = ENAMETOOLONG;
    return false;
  }
  target.assign(buf, static_cast<size_t>(n));
  return true;
}

int with_component_walk(int root_fd, std::string_view path, int flags, mode_t mode) {
  const bool follow_last = (flags & O_NOFOLLOW) == 0;
  std::vector<UniqueFd> stack;  // the directories walked through, the root first
  stack.emplace_back(::fcntl(root_fd, F_DUPFD_CLOEXEC, 0));
  if (!stack.back()) return -1;
  std::deque<std::string> pending;
  split_into(path, pending, false);
  int links = 0;
  const auto follow = [&](int link_fd) -> bool {
    if (++links > kMaxSymlinks) {
      errno = ELOOP;
      return false;
    }
    std::string target;
    if (!read_link(link_fd, target)) return false;
    if (!target.empty() && target[0] == '/') stack.resize(1);  // absolute: from the root
    split_into(target, pending, true);
    return true;
  };
  for (;;) {
    if (pending.empty()) {
      // The path ended at a directory (root, "..", a followed link): open it as asked.
      return ::openat(stack.back().get(), ".", (flags & ~(O_CREAT | O_EXCL)) | O_CLOEXEC);
    }
    std::string part = std::move(pending.front());
    pending.pop_front();
    if (part == "..") {
      if (stack.size() > 1) stack.pop_back();  // ".." at the root stays at the root
      continue;
    }
    const int dir = stack.back().get();
    if (pending.empty()) {
      int fd = ::openat(dir, part.c_str(), flags | O_NOFOLLOW | O_CLOEXEC, mode);
      if (fd < 0 && (errno == ELOOP || errno == ENOTDIR) && follow_last) {
        const int err = errno;
        UniqueFd link(::openat(dir, part.c_str(), O_PATH | O_NOFOLLOW | O_CLOEXEC));
        struct stat st {};
        if (!link || ::fstat(link.get(), &st) != 0 || !S_ISLNK(st.st_mode)) {
          errno = err;
          return -1;
        }
        if (!follow(link.get())) return -1;
        continue;
      }
      if (fd >= 0 && follow_last && (flags & O_PATH)) {
        struct stat st {};  // O_PATH | O_NOFOLLOW opens a symlink itself
        if (::fstat(fd, &st) == 0 && S_ISLNK(st.st_mode)) {
          UniqueFd link(fd);
          if (!follow(link.get())) return -1;
          continue;
        }
      }
      return fd;
    }
    UniqueFd next(::openat(dir, part.c_str(), O_PATH | O_NOFOLLOW | O_CLOEXEC));
    if (!next) return -1;
    struct stat st {};
    if (::fstat(next.get(), &st) != 0) return -1;
    if (S_ISLNK(st.st_mode)) {
      if (!follow(next.get())) return -1;
      continue;
    }
    if (!S_ISDIR(st.st_mode)) {
      errno = ENOTDIR;
      return -1;
    }
    stack.push_back(std::move(next));
  }
}

}  // namespace

int open_in_root(int root_fd, std::string_view path, int flags, mode_t mode, Resolver resolver) {
  if (resolver == Resolver::component_walk) {
    return with_component_walk(root_fd, path, flags, mode);
  }
  if (resolver == Resolver::openat2 || !openat2_unavailable.load(std::memory_order_relaxed)) {
    int fd = with_openat2(root_fd, path, flags, mode);
    if (fd >= 0 || resolver == Resolver::openat2) return fd;
    // ENOSYS: an older kernel; EPERM: a seccomp filter (container runtimes) refusing it.
    if (errno != ENOSYS && errno != EPERM) return fd;
    openat2_unavailable.store(true, std::memory_order_relaxed);
  }
  return with_component_walk(root_fd, path, flags, mode);
}

}  // namespace kc::root_path
