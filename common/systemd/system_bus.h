// Which systemd a run may talk to. Units written under --root DIR belong to the systemd that
// boots DIR (the tests' container), never to the live host's: under a root other than "/" only
// a bus given explicitly (--system-bus, $DBUS_SYSTEM_BUS_ADDRESS) is used.
#pragma once

#include <optional>
#include <string>

#include "common/core/error.h"
#include "common/core/host.h"

namespace kc {

// The bus to ask: `given` when not empty, else the host's own system bus when the root is "/";
// nullopt under any other root.
std::optional<std::string> systemd_bus_for(const Host& host, const std::string& given);

// Why there is no bus for this root, for a refusal (real run) or a dry run's note.
Error no_systemd_bus(const Host& host);

}  // namespace kc
