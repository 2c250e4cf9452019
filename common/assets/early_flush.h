// A downloaded binary flushed to disk (fdatasync) on a thread of its own as soon as its last byte
// is written, while the downloader still hashes it back: the fsync before its rename then has
// little left to wait for. Nothing is weakened: the commit still fsyncs the file and then its
// directory; this only starts that work earlier. A failed flush fails the install (a writeback
// error is reported once per file descriptor, so it must not be lost here).
#pragma once

#include <mutex>
#include <string>
#include <thread>

#include "common/core/error.h"

namespace kc {

class EarlyFlush {
 public:
  // fd: the staged download; `where` names it in errors.
  EarlyFlush(int fd, std::string where) : fd_(fd), where_(std::move(where)) {}
  ~EarlyFlush() { (void)wait(); }
  EarlyFlush(const EarlyFlush&) = delete;
  EarlyFlush& operator=(const EarlyFlush&) = delete;

  // Starts the flush (once; later calls do nothing). Returns at once.
  void start();
  // Waits for the flush: its result, ok if it never started.
  Status wait();

 private:
  const int fd_;
  const std::string where_;
  std::mutex mutex_;
  std::thread thread_;
  int error_ = 0;  // errno of the flush; written by its thread, read after join
};

}  // namespace kc
