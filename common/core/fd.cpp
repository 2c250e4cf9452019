#include "common/core/fd.h"

#include <fcntl.h>

#include <cerrno>

namespace kc {

Status read_chunks(int fd, std::string_view verb, std::string_view where,
                   const std::function<void(const char* data, std::size_t size)>& chunk) {
  char buf[1 << 16];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) continue;
      return errno_error(std::string(verb), std::string(where));
    }
    if (n == 0) return {};
    chunk(buf, static_cast<std::size_t>(n));
  }
}

Status write_all(int fd, const char* data, std::size_t size, std::string_view where) {
  std::size_t off = 0;
  while (off < size) {
    const ssize_t n = ::write(fd, data + off, size - off);
    if (n < 0) {
      if (errno == EINTR) continue;
      return errno_error("write", std::string(where));
    }
    off += static_cast<std::size_t>(n);
  }
  return {};
}

Result<std::string> read_all(int fd, std::string_view verb, std::string_view where) {
  std::string content;
  auto status = read_chunks(
      fd, verb, where, [&](const char* data, std::size_t size) { content.append(data, size); });
  if (!status) return status.error();
  return content;
}

Status fsync_dir(const std::filesystem::path& dir) {
  UniqueFd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!fd) return errno_error("open directory", dir.string());
  if (::fsync(fd.get()) != 0) return errno_error("fsync directory", dir.string());
  return {};
}

}  // namespace kc
