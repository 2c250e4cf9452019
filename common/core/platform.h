#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace kc {

// The Kubernetes name of this machine's architecture ("amd64", "arm64"), or nullopt.
std::optional<std::string> host_arch();

// True for "MAJOR.MINOR.PATCH" with decimal parts (no leading "v").
bool is_release_version(std::string_view version);

}  // namespace kc
