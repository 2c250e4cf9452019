#pragma once

#include <string>

namespace kc {
extern const char* const kVersion;    // kc's own version
extern const char* const kGitCommit;  // commit the binary was built from
extern const char* const kDefaultKubernetesVersion;

// "kc-leader 0.1.0 (commit abc1234), default Kubernetes 1.36.3"
std::string version_line(const std::string& program);
}  // namespace kc
