#include "common/assets/tar_extract_follow.h"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <utility>

namespace kc {

FollowingExtraction::FollowingExtraction(const Host& host, int fd, std::string dest,
                                         std::string label, std::string source,
                                         std::uint64_t max_bytes)
    : host_(host),
      fd_(fd),
      dest_(std::move(dest)),
      label_(std::move(label)),
      source_(std::move(source)),
      max_bytes_(max_bytes) {
  thread_ = std::thread([this] {
    const ArchiveReader reader = [this](char* buf, size_t n) { return read(buf, n); };
    auto staged = stage_tarball(host_, reader, dest_, label_, source_, max_bytes_);
    std::lock_guard<std::mutex> hold(mutex_);
    result_.emplace(std::move(staged));
  });
}

FollowingExtraction::~FollowingExtraction() {
  abandon();
}

void FollowingExtraction::grew(std::uint64_t prefix) {
  {
    std::lock_guard<std::mutex> hold(mutex_);
    if (complete_ || failed_) return;
    if (prefix < prefix_) restarted_ = true;
    prefix_ = prefix;
  }
  more_.notify_all();
}

Result<size_t> FollowingExtraction::read(char* buf, size_t n) {
  std::unique_lock<std::mutex> lock(mutex_);
  more_.wait(lock, [&] { return failed_ || restarted_ || complete_ || prefix_ > position_; });
  if (failed_) {
    return Error{"extract " + label_, source_, "the download failed",
                 "nothing was installed for " + label_};
  }
  if (restarted_) {  // finish() extracts again from the whole file
    return Error{"extract " + label_, source_, "the download started over", ""};
  }
  const std::uint64_t ready = prefix_ - position_;
  lock.unlock();
  if (ready == 0) return size_t{0};  // complete: the end of the file
  const size_t want = static_cast<size_t>(std::min<std::uint64_t>(n, ready));
  for (;;) {
    const ssize_t got = ::pread(fd_, buf, want, static_cast<off_t>(position_));
    if (got > 0) {
      position_ += static_cast<std::uint64_t>(got);
      return static_cast<size_t>(got);
    }
    if (got < 0 && errno == EINTR) continue;
    if (got < 0) return errno_error("read " + label_, source_);
    return Error{"read " + label_, source_, "the download is shorter than it was said to be", ""};
  }
}

void FollowingExtraction::stop_thread() {
  if (thread_.joinable()) thread_.join();
}

Result<StagedExtraction> FollowingExtraction::finish(std::uint64_t size) {
  {
    std::lock_guard<std::mutex> hold(mutex_);
    if (size < prefix_) restarted_ = true;
    prefix_ = size;
    complete_ = true;
  }
  more_.notify_all();
  stop_thread();
  bool again = false;
  {
    std::lock_guard<std::mutex> hold(mutex_);
    again = restarted_ || !result_;
  }
  if (again) {
    result_.reset();
    return stage_tarball(host_, fd_, dest_, label_, source_, max_bytes_);
  }
  Result<StagedExtraction> out = std::move(*result_);
  result_.reset();
  return out;
}

void FollowingExtraction::abandon() {
  {
    std::lock_guard<std::mutex> hold(mutex_);
    failed_ = !complete_;
  }
  more_.notify_all();
  stop_thread();
  result_.reset();  // removes what was staged
}

}  // namespace kc
