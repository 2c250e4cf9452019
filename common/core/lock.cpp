#include "common/core/lock.h"

#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <string>

namespace kc {

Result<std::optional<HostLock>> HostLock::try_acquire(const Host& host, std::string* holder) {
  KC_TRY(host.make_dirs(paths::run));
  const auto path = host.path(kPath);  // for messages
  auto opened = host.open_lock_file(kPath);
  if (!opened) return std::move(opened).error();
  UniqueFd fd = std::move(*opened);
  if (::flock(fd.get(), LOCK_EX | LOCK_NB) != 0) {
    if (errno != EWOULDBLOCK) return errno_error("lock", path.string());
    if (holder) {
      char buf[64] = {0};
      ssize_t n = ::pread(fd.get(), buf, sizeof buf - 1, 0);
      *holder = n > 0 ? std::string(buf, static_cast<size_t>(n)) : "";
      while (!holder->empty() && (holder->back() == '\n' || holder->back() == ' '))
        holder->pop_back();
    }
    return std::optional<HostLock>();
  }
  const std::string pid = std::to_string(::getpid()) + "\n";
  if (::ftruncate(fd.get(), 0) == 0) {
    [[maybe_unused]] ssize_t n = ::pwrite(fd.get(), pid.data(), pid.size(), 0);
  }
  return std::optional<HostLock>(HostLock(std::move(fd)));
}

}  // namespace kc
