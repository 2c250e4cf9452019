// A RAII file descriptor, and fsync of a directory. Temporary files are kc::StagedFile
// (common/core/host.h).
#pragma once

#include <unistd.h>

#include <cstddef>
#include <filesystem>
#include <functional>
#include <string>
#include <string_view>
#include <utility>

#include "common/core/error.h"

namespace kc {

class UniqueFd {
 public:
  UniqueFd() = default;
  explicit UniqueFd(int fd) : fd_(fd) {}
  UniqueFd(UniqueFd&& o) noexcept : fd_(std::exchange(o.fd_, -1)) {}
  UniqueFd& operator=(UniqueFd&& o) noexcept {
    reset(std::exchange(o.fd_, -1));
    return *this;
  }
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;
  ~UniqueFd() { reset(); }

  int get() const { return fd_; }
  explicit operator bool() const { return fd_ >= 0; }
  int release() { return std::exchange(fd_, -1); }
  void reset(int fd = -1) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = fd;
  }

 private:
  int fd_ = -1;
};

// Reads fd to its end, handing each chunk to `chunk`; an error says "VERB WHERE: <errno>".
Status read_chunks(int fd, std::string_view verb, std::string_view where,
                   const std::function<void(const char* data, std::size_t size)>& chunk);

// Writes all of data to fd (retrying short writes and EINTR); an error says "write WHERE: <errno>".
Status write_all(int fd, const char* data, std::size_t size, std::string_view where);

// The whole rest of fd's content.
Result<std::string> read_all(int fd, std::string_view verb, std::string_view where);

// fsync()s a directory so a rename into it survives a crash.
Status fsync_dir(const std::filesystem::path& dir);

}  // namespace kc
