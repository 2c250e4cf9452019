// The kc-worker binary init was given (--kc-worker), read once by stream and shared by the steps
// of the join-data and worker-user-data phases: its architecture (from its ELF header) and
// digest. It is never held in memory: ServedKcWorkerStep installs it through binary().
#pragma once

#include <optional>
#include <string>

#include "agent/phases/binary_source.h"
#include "common/core/error.h"

namespace kc::leader {

class KcWorkerSource {
 public:
  explicit KcWorkerSource(std::string file);  // a file of the operator's

  const std::string& file() const { return binary_.file(); }

  // Hashes and inspects the file once; later calls return the first result.
  Status load();

  // Filled by load(): "amd64"/"arm64", lower-case hex SHA-256, and the binary to install.
  const std::string& arch() const { return arch_; }
  const std::string& sha256() const { return binary_.sha256(); }
  const BinarySource& binary() const { return binary_; }

 private:
  BinarySource binary_;
  std::string arch_;
  std::optional<Status> loaded_;
};

}  // namespace kc::leader
