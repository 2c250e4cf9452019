// One kc at a time: an flock(2) on /run/kc.lock (under --root), held until the process exits or
// the HostLock is destroyed. The kernel drops it when the process dies, so a crash never leaves
// a stale lock.
#pragma once

#include <optional>
#include <string>

#include "common/core/error.h"
#include "common/core/fd.h"
#include "common/core/host.h"

namespace kc {

class HostLock {
 public:
  // Takes the lock without waiting. nullopt (and holder, if given, says who has it) when another
  // process holds it.
  static Result<std::optional<HostLock>> try_acquire(const Host& host, std::string* holder);
  static constexpr std::string_view kPath = "/run/kc.lock";

 private:
  explicit HostLock(UniqueFd fd) : fd_(std::move(fd)) {}
  UniqueFd fd_;
};

}  // namespace kc
