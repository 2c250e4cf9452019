#include "common/core/fd.h"

#include <fcntl.h>

namespace kc {

Status fsync_dir(const std::filesystem::path& dir) {
  UniqueFd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!fd) return errno_error("open directory", dir.string());
  if (::fsync(fd.get()) != 0) return errno_error("fsync directory", dir.string());
  return {};
}

}  // namespace kc
