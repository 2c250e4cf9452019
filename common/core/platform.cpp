#include "common/core/platform.h"

#include <sys/utsname.h>

namespace kc {

std::optional<std::string> host_arch() {
  struct utsname u {};
  if (uname(&u) != 0) return std::nullopt;
  const std::string_view machine = u.machine;
  if (machine == "x86_64") return "amd64";
  if (machine == "aarch64" || machine == "arm64") return "arm64";
  return std::nullopt;
}

bool is_release_version(std::string_view version) {
  int parts = 0;
  size_t digits = 0;
  for (char c : version) {
    if (c >= '0' && c <= '9') {
      ++digits;
    } else if (c == '.' && digits > 0) {
      ++parts;
      digits = 0;
    } else {
      return false;
    }
  }
  return parts == 2 && digits > 0;
}

}  // namespace kc
