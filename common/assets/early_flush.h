// A downloaded binary written back to disk while it downloads and flushed (fdatasync) as soon as
// its last byte is written, while the downloader still hashes it back: the fsync before its
// rename then has little left to wait for. A thread of its own starts writeback of what is dirty
// every 50 ms (sync_file_range, which does not wait; the downloader itself starts none). Nothing
// is weakened: the commit still fsyncs the file and then its directory; this only starts that
// work earlier. A failed flush fails the install (a writeback error is reported once per file
// descriptor, so it must not be lost here).
#pragma once

#include <condition_variable>
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

  // Bytes arrived: starts the writeback thread (once). Returns at once.
  void wrote();
  // Every byte is written: the thread flushes the file and ends. Returns at once.
  void start();
  // Waits for the flush (or stops the writeback if the file never became whole): the flush's
  // result, ok if it never ran.
  Status wait();

 private:
  void run();

  const int fd_;
  const std::string where_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::thread thread_;
  bool whole_ = false;
  bool stop_ = false;
  int error_ = 0;  // errno of the flush
};

}  // namespace kc
