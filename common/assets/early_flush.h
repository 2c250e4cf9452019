// A downloaded binary flushed to disk while it downloads, and once more as soon as its last byte
// is written, while the downloader still hashes it back: the fsync before its rename then has
// little left to wait for. A thread of its own flushes the file (fdatasync) every 50 ms, so the
// last flush has at most one turn's worth to write. Only starting writeback (sync_file_range)
// instead left the device's cache flush of the whole file to the last one: 11-42 ms after the last
// byte, against 2-6 ms now (tests/bench/README.md). Nothing is weakened: the commit still fsyncs
// the file and then its directory; this only does that work earlier. A failed flush fails the
// install (a writeback error is reported once per file descriptor, so it must not be lost here).
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

  // Bytes arrived: starts the flushing thread (once). Returns at once.
  void wrote();
  // Every byte is written: the thread flushes the file and ends. Returns at once.
  void start();
  // Waits for the last flush (or stops the flushing if the file never became whole): the first
  // error any flush of a whole file met, ok if none (or if the file never became whole).
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
