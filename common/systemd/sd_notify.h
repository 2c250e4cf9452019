// The sd_notify(3) protocol without libsystemd: one datagram of "KEY=VALUE\n" lines sent to the
// AF_UNIX socket named by $NOTIFY_SOCKET (a path, or "@name" for the abstract namespace).
// Outside systemd ($NOTIFY_SOCKET unset) every call is a no-op that succeeds.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "common/core/error.h"

namespace kc {

class Notifier {
 public:
  // Reads $NOTIFY_SOCKET and $WATCHDOG_USEC/$WATCHDOG_PID from the environment.
  static Notifier from_environment();
  explicit Notifier(std::string socket_path = {},
                    std::optional<std::chrono::microseconds> watchdog = std::nullopt);

  bool enabled() const { return !socket_path_.empty(); }
  // The watchdog interval systemd expects (WatchdogSec=), if any; ping at half of it.
  std::optional<std::chrono::microseconds> watchdog_interval() const { return watchdog_; }

  Status ready() const { return send("READY=1"); }
  Status status(std::string_view text) const;  // one line; newlines are replaced by spaces
  Status watchdog() const { return send("WATCHDOG=1"); }
  Status stopping() const { return send("STOPPING=1"); }
  // Sends a raw message of newline-separated KEY=VALUE assignments.
  Status send(std::string_view message) const;

 private:
  std::string socket_path_;
  std::optional<std::chrono::microseconds> watchdog_;
};

}  // namespace kc
