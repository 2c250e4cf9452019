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
      if (rc != 0 && error_ == 0) error_ = err;
      return;
    }
    lock.unlock();
    // Flushes what arrived since the last turn, to the device and through its cache: what is left
    // for the last flush is then at most one turn's worth. Only starting writeback
    // (sync_file_range) left that last flush to wait for the whole file's device cache flush.
    const int rc = ::fdatasync(fd_);
    const int err = errno;
    lock.lock();
    if (rc != 0 && error_ == 0) error_ = err;  // reported once per descriptor: keep it
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
  // A file that never became whole is thrown away: what its flushes found does not matter.
  if (error_ != 0 && whole_) return errno_error("fsync", where_, error_);
  return {};
}

}  // namespace kc
