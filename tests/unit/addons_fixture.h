// The add-on settings the unit tests and the golden files use, and where the golden files are.
#pragma once

#include <cstdlib>
#include <filesystem>
#include <string>

#include "agent/addons/settings.h"

namespace kc::addons::testing {

// The same values as the regeneration command in tests/golden/addons/README.md.
inline AddonSettings fixture_settings(const std::string& kubernetes_version = "1.36.3") {
  AddonSettings s;
  s.cluster_name = "toil";
  s.kubernetes_version = kubernetes_version;
  s.pod_subnet = "10.244.0.0/16";
  s.region = "eu-west-1";
  s.vpc_cidrs = {"10.0.0.0/16"};
  s.max_nodes = 100;
  return s;
}

inline std::filesystem::path golden_dir() {
  if (const char* root = std::getenv("KC_SOURCE_ROOT")) {
    return std::filesystem::path(root) / "tests/golden/addons";
  }
  std::filesystem::path source(__FILE__);
  if (source.is_relative()) {
    source = std::filesystem::read_symlink("/proc/self/exe").parent_path().parent_path() / source;
  }
  return source.parent_path().parent_path() / "golden/addons";
}

}  // namespace kc::addons::testing
