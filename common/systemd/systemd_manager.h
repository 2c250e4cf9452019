// systemd's Manager API over the system D-Bus (org.freedesktop.systemd1), as kc needs it:
// reload, enable, start/restart/stop waiting for the job's result, and a unit's state.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "common/core/error.h"
#include "common/systemd/dbus_connection.h"

namespace kc {

struct UnitStatus {
  std::string load_state;    // "loaded", "not-found", ...
  std::string active_state;  // "active", "inactive", "failed", "activating", ...
  std::string sub_state;     // "running", "exited", "auto-restart", ...
  std::string result;        // services only: "success", "exit-code", "watchdog", ...
  std::string invocation_id;
  bool need_daemon_reload = false;
  // CLOCK_REALTIME microseconds; 0 when it never happened.
  std::uint64_t active_enter_us = 0;
  std::uint64_t exec_main_start_us = 0;  // services only
  std::string fragment_path;             // the unit file
  std::vector<std::string> drop_in_paths;

  bool active() const;
  // When what runs now was started: the main process' start, else entering the active state.
  std::uint64_t started_us() const {
    return exec_main_start_us ? exec_main_start_us : active_enter_us;
  }
  // "ActiveState=failed SubState=failed Result=exit-code"
  std::string describe() const;
};

// Builds a UnitStatus from the properties of the Unit and (for services) Service interfaces.
UnitStatus unit_status_from(const dbus::Properties& unit, const dbus::Properties& service);

// A JobRemoved(u id, o job, s unit, s result) signal as (job path, result); nullopt for any
// other message.
std::optional<std::pair<std::string, std::string>> parse_job_removed(DBusMessage* message);

struct SystemdTimeouts {
  std::chrono::milliseconds call{25000};  // any method call
  std::chrono::milliseconds job{120000};  // Reload, and a start/restart/stop job to finish
};

// What kc asks of a systemd manager: SystemdManager over D-Bus; a fake in unit tests.
class Systemd {
 public:
  virtual ~Systemd() = default;
  virtual Status reload() = 0;
  // "enabled", "disabled", "static", "masked", ...
  virtual Result<std::string> unit_file_state(const std::string& unit) = 0;
  virtual Status enable(const std::vector<std::string>& units) = 0;
  // Each queues a job (mode "replace") and returns its result: "done", "failed", "canceled",
  // "timeout", "dependency" or "skipped".
  virtual Result<std::string> start(const std::string& unit) = 0;
  virtual Result<std::string> restart(const std::string& unit) = 0;
  // Loads the unit if needed (LoadUnit), then reads its properties.
  virtual Result<UnitStatus> status(const std::string& unit) = 0;
};

class SystemdManager final : public Systemd {
 public:
  // Connects to systemd on the bus at `address` and subscribes to its job signals. Errors say
  // whether the bus or systemd on it was unreachable.
  static Result<std::unique_ptr<SystemdManager>> connect(
      const std::string& address = dbus::system_bus_address(), SystemdTimeouts timeouts = {});

  Status reload() override;
  Result<std::string> unit_file_state(const std::string& unit) override;
  Status enable(const std::vector<std::string>& units) override;
  Result<std::string> start(const std::string& unit) override { return run_job("StartUnit", unit); }
  Result<std::string> restart(const std::string& unit) override {
    return run_job("RestartUnit", unit);
  }
  Result<std::string> stop(const std::string& unit) { return run_job("StopUnit", unit); }
  Result<UnitStatus> status(const std::string& unit) override;

 private:
  SystemdManager(std::unique_ptr<dbus::Connection> bus, SystemdTimeouts timeouts)
      : bus_(std::move(bus)), timeouts_(timeouts) {}
  Result<dbus::Message> call(const dbus::Message& request, std::chrono::milliseconds timeout);
  Result<std::string> run_job(const char* method, const std::string& unit);
  Result<dbus::Properties> properties(const std::string& path, const char* interface);

  std::unique_ptr<dbus::Connection> bus_;
  SystemdTimeouts timeouts_;
  // Results of every JobRemoved seen, by job path. A job's signal may be dispatched before the
  // reply that names the job has been read, so results are recorded for all jobs and looked up
  // once the job path is known.
  std::map<std::string, std::string> finished_jobs_;
};

}  // namespace kc
