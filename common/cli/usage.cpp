#include "common/cli/usage.h"

#include <iostream>

#include "common/core/exit_codes.h"
#include "common/core/log.h"

namespace kc::cli {

int usage_error(const std::string& program, const Error& error) {
  std::cerr << program << ": " << log::redact(error.message()) << "\n"
            << "Run '" << program << " --help' for usage.\n";
  return exit_code::usage;
}

}  // namespace kc::cli
