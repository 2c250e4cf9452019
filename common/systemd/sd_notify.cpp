#include "common/systemd/sd_notify.h"

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "common/core/fd.h"

namespace kc {

Notifier Notifier::from_environment() {
  const char* socket = std::getenv("NOTIFY_SOCKET");
  std::optional<std::chrono::microseconds> interval;
  const char* usec = std::getenv("WATCHDOG_USEC");
  const char* pid = std::getenv("WATCHDOG_PID");
  // WATCHDOG_PID, when set, names the process that must ping; a child must not.
  const bool for_us = pid == nullptr || std::strtol(pid, nullptr, 10) == ::getpid();
  if (usec != nullptr && for_us) {
    const long long value = std::strtoll(usec, nullptr, 10);
    if (value > 0) interval = std::chrono::microseconds(value);
  }
  return Notifier(socket != nullptr ? socket : "", interval);
}

Notifier::Notifier(std::string socket_path, std::optional<std::chrono::microseconds> watchdog)
    : socket_path_(std::move(socket_path)), watchdog_(watchdog) {}

Status Notifier::status(std::string_view text) const {
  std::string message = "STATUS=";
  for (char c : text) message += (c == '\n') ? ' ' : c;
  return send(message);
}

Status Notifier::send(std::string_view message) const {
  if (!enabled()) return {};
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (socket_path_.size() >= sizeof(addr.sun_path) ||
      (socket_path_[0] != '/' && socket_path_[0] != '@')) {
    return Error{"notify systemd", socket_path_, "NOTIFY_SOCKET is not a usable socket address",
                 ""};
  }
  std::memcpy(addr.sun_path, socket_path_.data(), socket_path_.size());
  if (addr.sun_path[0] == '@') addr.sun_path[0] = '\0';  // abstract namespace
  const auto len = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + socket_path_.size());

  UniqueFd fd(::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  if (!fd) return errno_error("notify systemd", socket_path_);
  ssize_t n = ::sendto(fd.get(), message.data(), message.size(), MSG_NOSIGNAL,
                       reinterpret_cast<const sockaddr*>(&addr), len);
  if (n < 0) return errno_error("notify systemd", socket_path_);
  return {};
}

}  // namespace kc
