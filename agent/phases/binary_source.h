// A binary of the operator's that init installs at a host path (the running kc-leader as
// /opt/bin/kc-leader, --kc-worker as the kc-worker kc-serve serves), read by stream and never
// held in memory: kc-leader is tens of MB, the unit tests' binary under ASan over 600 MB.
// hash() reads it for its digest and first bytes; compare() tells by digest and mode what differs
// at a host path; install() copies it there through a staged file, checking that what it copied
// is what hash() read.
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <optional>
#include <string>

#include "common/core/error.h"
#include "common/core/host.h"
#include "common/core/plan.h"

namespace kc::leader {

class BinarySource {
 public:
  static constexpr std::size_t kHeadSize = 64;  // an ELF header and more

  // `file` is a file of the operator's (Host::open_operator_file); `what` names reading it in
  // errors ("read --kc-worker"), `hint` says what to do when it cannot be opened.
  BinarySource(std::string file, std::string what, std::string hint);

  const std::string& file() const { return file_; }

  // Reads the whole file by stream, again on every call: fills sha256() and head().
  Status hash();
  const std::string& sha256() const { return sha256_; }  // lower-case hex
  const std::string& head() const { return head_; }      // the first kHeadSize bytes, or all

  // How host_path differs from the file hash() read with `mode`, as compare_file() says it
  // ("new", "content differs", "mode 0700 differs"); nullopt when nothing differs.
  Result<std::optional<FileDifference>> compare(const Host& host, const std::string& host_path,
                                                mode_t mode) const;

  // Streams the file into a staged file beside host_path (its directory created) and commits it
  // with `mode`. An error, also the file changing since hash(), leaves host_path as it was and
  // no temporary file.
  Status install(const Host& host, const std::string& host_path, mode_t mode) const;

 private:
  Result<UniqueFd> open() const;

  std::string file_;
  std::string what_;
  std::string hint_;
  std::string sha256_;
  std::string head_;
};

}  // namespace kc::leader
