#include "common/core/error.h"

#include <cerrno>
#include <cstring>

namespace kc {

std::string Error::message() const {
  std::string out;
  for (const std::string* part : {&what, &where, &why}) {
    if (part->empty()) continue;
    if (!out.empty()) out += ": ";
    out += *part;
  }
  if (!hint.empty()) out += " (" + hint + ")";
  return out;
}

Error& Error::context(const std::string& outer) {
  std::string joined;
  joined.reserve(outer.size() + 2 + what.size());
  joined.append(outer);
  if (!what.empty()) joined.append(": ").append(what);
  what = std::move(joined);
  return *this;
}

Error errno_error(std::string what, std::string where, int err) {
  return Error{std::move(what), std::move(where), std::strerror(err), ""};
}

Error errno_error(std::string what, std::string where) {
  return errno_error(std::move(what), std::move(where), errno);
}

}  // namespace kc
