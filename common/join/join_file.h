// The join file, /etc/kc/join.json: what a worker needs to join the cluster, written by
// kc-leader (inline in the worker user data) and read by kc-worker join. A versioned JSON object:
//
//   {"version": 1, "apiServerEndpoint": "10.0.0.10:6443", "token": "abcdef.0123456789abcdef",
//    "caCertHashes": ["sha256:<64 hex>"], "kubernetesVersion": "1.36.3",
//    "clusterName": "kubernetes", "podSubnet": "10.244.0.0/16"}
//
// Every key is required and no other key is allowed; a change of the format is a new version.
// The file holds the bootstrap token, so it is mode 0600; one readable by group or others is
// fixed to 0600 with a warning. Errors name the file and the field, never the token's value.
#pragma once

#include <sys/types.h>

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "common/core/error.h"
#include "common/core/host.h"
#include "common/core/secret.h"

namespace kc::join {

inline constexpr std::string_view kJoinFilePath = "/etc/kc/join.json";
inline constexpr int kJoinFileVersion = 1;
inline constexpr mode_t kJoinFileMode = 0600;

struct JoinFile {
  std::string api_server_endpoint;          // "HOST:PORT" or "[IPv6]:PORT"
  Secret token;                             // bootstrap token [a-z0-9]{6}.[a-z0-9]{16}
  std::vector<std::string> ca_cert_hashes;  // "sha256:<64 lower-case hex>", at least one
  std::string kubernetes_version;           // MAJOR.MINOR.PATCH
  std::string cluster_name;
  std::string pod_subnet;  // CIDR
};

bool is_bootstrap_token(std::string_view text);
bool is_ca_cert_hash(std::string_view text);  // "sha256:<64 lower-case hex>"
bool is_host_port(std::string_view text);     // "HOST:PORT" or "[IPv6]:PORT", port 1-65535

// Checks every field; the error's where is `where` (the file) and its why names the field.
Status validate(const JoinFile& join, const std::string& where = std::string(kJoinFilePath));

// The file's content (the token in clear: write it with kJoinFileMode only). With
// redact_token, the token reads "<redacted>" (for printing).
std::string to_json(const JoinFile& join, bool redact_token = false);

// Parses and validates a join file's content; `where` names it in errors.
Result<JoinFile> parse_join_file(std::string_view text,
                                 const std::string& where = std::string(kJoinFilePath));

// The file as it is on the host: its content parsed and its permission bits.
struct JoinFileOnHost {
  JoinFile join;
  mode_t mode = 0;
  bool too_open() const { return (mode & 077) != 0; }
};

// Reads and parses a join file through the host seam, changing nothing. Missing, not a regular
// file (a symlink is refused), unreadable or malformed: an error naming the file.
Result<JoinFileOnHost> read_join_file(const Host& host, std::string_view host_path = kJoinFilePath);

// read_join_file, then a file readable by group or others is warned about (through `warn`) and
// set to 0600.
Result<JoinFile> load_join_file(const Host& host, std::string_view host_path,
                                const std::function<void(const std::string&)>& warn);

// Writes the file atomically, mode 0600 (validated first).
Status write_join_file(const Host& host, const JoinFile& join,
                       std::string_view host_path = kJoinFilePath);

}  // namespace kc::join
