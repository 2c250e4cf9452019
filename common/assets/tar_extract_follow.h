// Extracting a tarball while it downloads, as `curl | tar` does, and still all-or-nothing: a
// thread of its own stages the archive (stage_tarball) from the download's staged file, reading
// only the prefix the downloader has written (DownloadRequest::on_prefix) and waiting for more.
// Nothing is put in place here: the caller commits the result only after the whole file's
// digest matched. A download that started over from zero while it was read (a server that
// ignored a Range request) is extracted again from the finished file, so that what is extracted
// is always the verified file.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "common/assets/tar_extract.h"
#include "common/core/error.h"
#include "common/core/host.h"

namespace kc {

class FollowingExtraction {
 public:
  // Starts reading fd (the staged download, still being written) at once. label and source (the
  // URL) name the artifact in errors.
  FollowingExtraction(const Host& host, int fd, std::string dest, std::string label,
                      std::string source, std::uint64_t max_bytes = kMaxExtractedBytes);
  // Abandons an extraction neither finished nor abandoned.
  ~FollowingExtraction();
  FollowingExtraction(const FollowingExtraction&) = delete;
  FollowingExtraction& operator=(const FollowingExtraction&) = delete;

  // The downloader's hook: bytes [0, prefix) are written. A smaller prefix than before means the
  // download started over.
  void grew(std::uint64_t prefix);
  // The download is complete and verified, `size` bytes: waits for the extraction and returns
  // it (still staged, not committed).
  Result<StagedExtraction> finish(std::uint64_t size);
  // The download failed: the reader stops, and what it staged is removed. Returns when the
  // thread has ended (fd is no longer read).
  void abandon();

 private:
  Result<size_t> read(char* buf, size_t n);
  void stop_thread();

  const Host& host_;
  const int fd_;
  const std::string dest_, label_, source_;
  const std::uint64_t max_bytes_;
  std::mutex mutex_;
  std::condition_variable more_;
  std::uint64_t prefix_ = 0;  // written so far
  bool complete_ = false;     // prefix_ is the whole, verified file
  bool failed_ = false;
  bool restarted_ = false;      // the download started over while it was read
  std::uint64_t position_ = 0;  // the reader's (its thread only)
  std::optional<Result<StagedExtraction>> result_;
  std::thread thread_;
};

}  // namespace kc
