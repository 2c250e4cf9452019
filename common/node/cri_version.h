// Asks a container runtime for its CRI Version over its unix socket, without crictl or a gRPC
// library: gRPC is HTTP/2 (libcurl with nghttp2, prior knowledge over the socket) carrying
// length-prefixed protobuf messages, and VersionRequest is empty. The answer is decoded by hand
// (four string fields of runtime.v1.VersionResponse).
#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "common/core/error.h"

namespace kc::node {

struct CriVersion {
  std::string version;              // field 1: the CRI version, "0.1.0"
  std::string runtime_name;         // field 2: "containerd"
  std::string runtime_version;      // field 3: "1.6.20~ds1"
  std::string runtime_api_version;  // field 4: "v1"
};

// POST /runtime.v1.RuntimeService/Version over the socket at `socket_path` (a path to open,
// already mapped under the root). An error says whether nothing listens or the runtime refused.
Result<CriVersion> cri_version(const std::string& socket_path,
                               std::chrono::milliseconds timeout = std::chrono::seconds(5));

// The gRPC body of an answer (5-byte frame prefix, then the protobuf VersionResponse).
Result<CriVersion> parse_version_response(std::string_view grpc_body);

// "containerd 1.6.20~ds1 (CRI v1)"
std::string describe(const CriVersion& version);

}  // namespace kc::node
