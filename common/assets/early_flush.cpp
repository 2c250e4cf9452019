#include "common/assets/early_flush.h"

#include <unistd.h>

#include <cerrno>

namespace kc {

void EarlyFlush::start() {
  std::lock_guard<std::mutex> hold(mutex_);
  if (thread_.joinable()) return;
  thread_ = std::thread([this] {
    if (::fdatasync(fd_) != 0) error_ = errno;
  });
}

Status EarlyFlush::wait() {
  std::lock_guard<std::mutex> hold(mutex_);
  if (thread_.joinable()) thread_.join();
  if (error_ != 0) return errno_error("fsync", where_, error_);
  return {};
}

}  // namespace kc
