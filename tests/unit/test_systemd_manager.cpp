#include "common/systemd/systemd_manager.h"

#include <doctest/doctest.h>

TEST_CASE("parse_job_removed reads JobRemoved(u id, o job, s unit, s result)") {
  kc::dbus::Message signal(dbus_message_new_signal(
      "/org/freedesktop/systemd1", "org.freedesktop.systemd1.Manager", "JobRemoved"));
  dbus_uint32_t id = 42;
  const char* job = "/org/freedesktop/systemd1/job/42";
  const char* unit = "kubelet.service";
  const char* result = "failed";
  dbus_message_append_args(signal.get(), DBUS_TYPE_UINT32, &id, DBUS_TYPE_OBJECT_PATH, &job,
                           DBUS_TYPE_STRING, &unit, DBUS_TYPE_STRING, &result, DBUS_TYPE_INVALID);
  auto parsed = kc::parse_job_removed(signal.get());
  REQUIRE(parsed.has_value());
  CHECK(parsed->first == job);
  CHECK(parsed->second == "failed");
}

TEST_CASE("parse_job_removed ignores other signals and malformed ones") {
  kc::dbus::Message other(dbus_message_new_signal("/org/freedesktop/systemd1",
                                                  "org.freedesktop.systemd1.Manager", "JobNew"));
  CHECK_FALSE(kc::parse_job_removed(other.get()).has_value());

  kc::dbus::Message malformed(dbus_message_new_signal(
      "/org/freedesktop/systemd1", "org.freedesktop.systemd1.Manager", "JobRemoved"));
  const char* only = "x";
  dbus_message_append_args(malformed.get(), DBUS_TYPE_STRING, &only, DBUS_TYPE_INVALID);
  CHECK_FALSE(kc::parse_job_removed(malformed.get()).has_value());
}

TEST_CASE("unit_status_from takes Unit and Service properties") {
  kc::dbus::Properties unit{
      {"ActiveState", std::string("failed")},
      {"SubState", std::string("failed")},
      {"LoadState", std::string("loaded")},
      {"NeedDaemonReload", true},
      {"ActiveEnterTimestamp", std::uint64_t{5}},
      {"FragmentPath", std::string("/etc/systemd/system/x.service")},
      {"DropInPaths", std::vector<std::string>{"/etc/systemd/system/x.service.d/a.conf"}}};
  kc::dbus::Properties service{{"Result", std::string("exit-code")},
                               {"ExecMainStartTimestamp", std::uint64_t{7}}};
  kc::UnitStatus s = kc::unit_status_from(unit, service);
  CHECK(s.describe() == "ActiveState=failed SubState=failed Result=exit-code");
  CHECK_FALSE(s.active());
  CHECK(s.need_daemon_reload);
  CHECK(s.started_us() == 7);
  CHECK(s.drop_in_paths.size() == 1);

  // A unit without a main process (a target, a socket) started when it became active.
  kc::UnitStatus t = kc::unit_status_from(
      {{"ActiveState", std::string("active")}, {"ActiveEnterTimestamp", std::uint64_t{5}}}, {});
  CHECK(t.active());
  CHECK(t.started_us() == 5);
  CHECK(t.describe() == "ActiveState=active SubState=");
}

TEST_CASE("connect names the bus it could not reach and says what to check") {
  auto sd = kc::SystemdManager::connect("unix:path=/nonexistent/kc-test-bus");
  REQUIRE_FALSE(sd.ok());
  CHECK(sd.error().what == "connect to the system bus");
  CHECK(sd.error().where == "unix:path=/nonexistent/kc-test-bus");
  CHECK(sd.error().hint.find("DBUS_SYSTEM_BUS_ADDRESS") != std::string::npos);
}
