#include "common/systemd/system_bus.h"

#include <fmt/format.h>

#include "common/systemd/dbus_connection.h"

namespace kc {

std::optional<std::string> systemd_bus_for(const Host& host, const std::string& given) {
  if (!given.empty()) return given;
  if (host.is_real_root()) return dbus::system_bus_address();
  return std::nullopt;
}

Error no_systemd_bus(const Host& host) {
  const std::string root = host.root().string();
  return Error{"talk to systemd", "",
               fmt::format("--root {} is not / and no --system-bus was given", root),
               fmt::format("this machine's systemd must not run units written under {}: give the "
                           "bus of the systemd that manages {} with --system-bus ADDRESS (or "
                           "DBUS_SYSTEM_BUS_ADDRESS), or use --dry-run",
                           root, root)};
}

}  // namespace kc
