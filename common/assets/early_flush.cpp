#include "common/assets/early_flush.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>

namespace kc {

void EarlyFlush::wrote() {
  std::lock_guard<std::mutex> hold(mutex_);
  if (!thread_.joinable() && !stop_) thread_ = std::thread([this] { run(); });
}

void EarlyFlush::start() {
  {
    std::lock_guard<std::mutex> hold(mutex_);
    whole_ = true;
    if (!thread_.joinable() && !stop_) thread_ = std::thread([this] { run(); });
  }
  wake_.notify_all();
}

void EarlyFlush::run() {
  std::unique_lock<std::mutex> lock(mutex_);
  for (;;) {
    if (stop_) return;
    if (whole_) {
      lock.unlock();
      const int rc = ::fdatasync(fd_);
      const int err = errno;
      lock.lock();
      if (rc != 0) error_ = err;
      return;
    }
    lock.unlock();
    // Starts writeback of what is dirty; does not wait for it.
    ::sync_file_range(fd_, 0, 0, SYNC_FILE_RANGE_WRITE);
    lock.lock();
    wake_.wait_for(lock, std::chrono::milliseconds(50), [this] { return whole_ || stop_; });
  }
}

Status EarlyFlush::wait() {
  std::thread ending;
  {
    std::lock_guard<std::mutex> hold(mutex_);
    if (!whole_) stop_ = true;  // never whole (a failed download): no flush
    ending = std::move(thread_);
  }
  wake_.notify_all();
  if (ending.joinable()) ending.join();
  std::lock_guard<std::mutex> hold(mutex_);
  if (error_ != 0) return errno_error("fsync", where_, error_);
  return {};
}

}  // namespace kc
