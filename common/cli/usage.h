#pragma once

#include <string>

#include "common/core/error.h"

namespace kc::cli {

// Prints a usage error (a flag value that parses but is not valid) the way the parser prints
// its own, redacted, and returns exit code 2.
int usage_error(const std::string& program, const Error& error);

}  // namespace kc::cli
