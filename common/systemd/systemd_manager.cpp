#include "common/systemd/systemd_manager.h"

#include <fmt/format.h>

namespace kc {
namespace {

constexpr const char* kService = "org.freedesktop.systemd1";
constexpr const char* kPath = "/org/freedesktop/systemd1";
constexpr const char* kManager = "org.freedesktop.systemd1.Manager";

template <class T>
T get(const dbus::Properties& props, const char* key, T fallback = {}) {
  auto it = props.find(key);
  if (it == props.end()) return fallback;
  const T* v = std::get_if<T>(&it->second);
  return v ? *v : fallback;
}

dbus::Message manager_call(const char* method) {
  return dbus::method_call(kService, kPath, kManager, method);
}

}  // namespace

bool UnitStatus::active() const {
  return active_state == "active" || active_state == "activating" || active_state == "reloading";
}

std::string UnitStatus::describe() const {
  std::string out = fmt::format("ActiveState={} SubState={}", active_state, sub_state);
  if (!result.empty()) out += " Result=" + result;
  return out;
}

UnitStatus unit_status_from(const dbus::Properties& unit, const dbus::Properties& service) {
  UnitStatus s;
  s.load_state = get<std::string>(unit, "LoadState");
  s.active_state = get<std::string>(unit, "ActiveState");
  s.sub_state = get<std::string>(unit, "SubState");
  s.invocation_id = get<std::string>(unit, "InvocationID");
  s.need_daemon_reload = get<bool>(unit, "NeedDaemonReload");
  s.active_enter_us = get<std::uint64_t>(unit, "ActiveEnterTimestamp");
  s.fragment_path = get<std::string>(unit, "FragmentPath");
  s.drop_in_paths = get<std::vector<std::string>>(unit, "DropInPaths");
  s.result = get<std::string>(service, "Result");
  s.exec_main_start_us = get<std::uint64_t>(service, "ExecMainStartTimestamp");
  return s;
}

std::optional<std::pair<std::string, std::string>> parse_job_removed(DBusMessage* message) {
  if (!dbus_message_is_signal(message, kManager, "JobRemoved")) return std::nullopt;
  dbus_uint32_t id = 0;
  const char* job = nullptr;
  const char* unit = nullptr;
  const char* result = nullptr;
  if (!dbus::read_args(message, "JobRemoved", DBUS_TYPE_UINT32, &id, DBUS_TYPE_OBJECT_PATH, &job,
                       DBUS_TYPE_STRING, &unit, DBUS_TYPE_STRING, &result)) {
    return std::nullopt;
  }
  return std::pair<std::string, std::string>(job, result);
}

Result<std::unique_ptr<SystemdManager>> SystemdManager::connect(const std::string& address,
                                                                SystemdTimeouts timeouts) {
  auto bus = dbus::Connection::open(address, timeouts.call);
  if (!bus) {
    Error e = std::move(bus).error();
    e.what = "connect to the system bus";
    e.hint = "is dbus running? DBUS_SYSTEM_BUS_ADDRESS names another bus";
    return e;
  }
  std::unique_ptr<SystemdManager> sd(new SystemdManager(std::move(*bus), timeouts));
  sd->bus_->on_signal([m = sd.get()](DBusMessage* message) {
    if (auto job = parse_job_removed(message)) m->finished_jobs_.insert(std::move(*job));
  });
  const std::string rule =
      fmt::format("type='signal',sender='{}',path='{}',interface='{}',member='JobRemoved'",
                  kService, kPath, kManager);
  auto matched = sd->bus_->add_match(rule, timeouts.call);
  auto subscribed = matched ? sd->call(manager_call("Subscribe"), timeouts.call) : matched.error();
  if (!subscribed) {
    Error e = std::move(subscribed).error();
    return Error{"reach systemd on the system bus", address, e.why,
                 "is systemd running as PID 1 there?"};
  }
  return sd;
}

Result<dbus::Message> SystemdManager::call(const dbus::Message& request,
                                           std::chrono::milliseconds timeout) {
  return bus_->call(request.get(), timeout);
}

Status SystemdManager::reload() {
  auto reply = call(manager_call("Reload"), timeouts_.job);
  if (!reply) return std::move(reply).error().context("reload systemd");
  return {};
}

Result<std::string> SystemdManager::unit_file_state(const std::string& unit) {
  dbus::Message m = manager_call("GetUnitFileState");
  const char* name = unit.c_str();
  dbus_message_append_args(m.get(), DBUS_TYPE_STRING, &name, DBUS_TYPE_INVALID);
  auto reply = call(m, timeouts_.call);
  if (!reply) return std::move(reply).error().context("read the enablement of " + unit);
  const char* state = nullptr;
  KC_TRY(dbus::read_args(reply->get(), "GetUnitFileState", DBUS_TYPE_STRING, &state));
  return std::string(state);
}

Status SystemdManager::enable(const std::vector<std::string>& units) {
  dbus::Message m = manager_call("EnableUnitFiles");
  std::vector<const char*> names;
  for (const auto& u : units) names.push_back(u.c_str());
  const char** array = names.data();
  dbus_bool_t runtime = FALSE, force = FALSE;
  dbus_message_append_args(m.get(), DBUS_TYPE_ARRAY, DBUS_TYPE_STRING, &array,
                           static_cast<int>(names.size()), DBUS_TYPE_BOOLEAN, &runtime,
                           DBUS_TYPE_BOOLEAN, &force, DBUS_TYPE_INVALID);
  auto reply = call(m, timeouts_.call);
  if (!reply)
    return std::move(reply).error().context("enable " + fmt::format("{}", fmt::join(units, " ")));
  return {};
}

Result<std::string> SystemdManager::run_job(const char* method, const std::string& unit) {
  dbus::Message m = manager_call(method);
  const char* name = unit.c_str();
  const char* mode = "replace";
  dbus_message_append_args(m.get(), DBUS_TYPE_STRING, &name, DBUS_TYPE_STRING, &mode,
                           DBUS_TYPE_INVALID);
  auto reply = call(m, timeouts_.call);
  if (!reply) return std::move(reply).error().context(unit);
  const char* job_path = nullptr;
  KC_TRY(dbus::read_args(reply->get(), method, DBUS_TYPE_OBJECT_PATH, &job_path));
  const std::string job(job_path);
  KC_TRY(bus_->wait_until([&] { return finished_jobs_.contains(job); },
                          dbus::Connection::Clock::now() + timeouts_.job,
                          fmt::format("the {} job of {} ({})", method, unit, job)));
  auto node = finished_jobs_.extract(job);
  return std::move(node.mapped());
}

Result<dbus::Properties> SystemdManager::properties(const std::string& path,
                                                    const char* interface) {
  dbus::Message m = dbus::method_call(kService, path.c_str(), DBUS_INTERFACE_PROPERTIES, "GetAll");
  dbus_message_append_args(m.get(), DBUS_TYPE_STRING, &interface, DBUS_TYPE_INVALID);
  auto reply = call(m, timeouts_.call);
  if (!reply) return std::move(reply).error();
  return dbus::parse_properties(reply->get());
}

Result<UnitStatus> SystemdManager::status(const std::string& unit) {
  dbus::Message m = manager_call("LoadUnit");
  const char* name = unit.c_str();
  dbus_message_append_args(m.get(), DBUS_TYPE_STRING, &name, DBUS_TYPE_INVALID);
  auto reply = call(m, timeouts_.call);
  if (!reply) return std::move(reply).error().context("read the state of " + unit);
  const char* path = nullptr;
  KC_TRY(dbus::read_args(reply->get(), "LoadUnit", DBUS_TYPE_OBJECT_PATH, &path));
  auto unit_props = properties(path, "org.freedesktop.systemd1.Unit");
  if (!unit_props) return std::move(unit_props).error().context("read the state of " + unit);
  dbus::Properties service_props;
  if (unit.ends_with(".service")) {
    auto props = properties(path, "org.freedesktop.systemd1.Service");
    if (!props) return std::move(props).error().context("read the state of " + unit);
    service_props = std::move(*props);
  }
  return unit_status_from(*unit_props, service_props);
}

}  // namespace kc
