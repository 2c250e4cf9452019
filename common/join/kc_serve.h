// kc-serve, the leader's static HTTP server for what workers fetch at boot (kc-worker).
// Everything it serves is public and pinned by SHA-256 in the user data, so it needs no TLS.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace kc::join {

// The TCP port of kc-serve on the leader (next to the API server's 6443); workers reach it
// inside the cluster's security group.
inline constexpr uint16_t kServePort = 6444;

// The URL path of the kc-worker binary for an architecture ("amd64", "arm64").
inline std::string kc_worker_url_path(std::string_view arch) {
  return "/kc-worker/" + std::string(arch);
}

}  // namespace kc::join
