// The kc-worker binary init was given (--kc-worker), read once and shared by the steps of the
// join-data and worker-user-data phases: its architecture (from its ELF header) and digest.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "common/core/error.h"

namespace kc::leader {

struct KcWorkerSource {
  std::string file;  // a file of the operator's
  // Filled by load(): the content, "amd64"/"arm64", lower-case hex SHA-256.
  std::string content;
  std::string arch;
  std::string sha256;

  // Reads and inspects the file once; later calls return the first result.
  Status load();

 private:
  std::optional<Status> loaded_;
};

}  // namespace kc::leader
