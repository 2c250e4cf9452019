#include "common/systemd/dbus_connection.h"

#include <doctest/doctest.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>

#include "scratch_dir.h"

namespace {

// An a{sv} reply as org.freedesktop.DBus.Properties.GetAll sends it.
class PropertiesReply {
 public:
  PropertiesReply() : msg_(dbus_message_new(DBUS_MESSAGE_TYPE_METHOD_RETURN)) {
    dbus_message_iter_init_append(msg_.get(), &top_);
    dbus_message_iter_open_container(&top_, DBUS_TYPE_ARRAY, "{sv}", &dict_);
  }
  template <class T>
  void add(const char* key, int type, const char* sig, T value) {
    DBusMessageIter entry, variant;
    open(key, sig, &entry, &variant);
    dbus_message_iter_append_basic(&variant, type, &value);
    close(&entry, &variant);
  }
  void add_array(const char* key, int elem_type, const char* sig, const void* items, int n) {
    DBusMessageIter entry, variant, array;
    open(key, sig, &entry, &variant);
    dbus_message_iter_open_container(&variant, DBUS_TYPE_ARRAY, sig + 1, &array);
    if (elem_type == DBUS_TYPE_BYTE) {
      dbus_message_iter_append_fixed_array(&array, elem_type, &items, n);
    } else {
      auto strings = static_cast<const char* const*>(items);
      for (int i = 0; i < n; ++i) dbus_message_iter_append_basic(&array, elem_type, &strings[i]);
    }
    dbus_message_iter_close_container(&variant, &array);
    close(&entry, &variant);
  }
  DBusMessage* done() {
    dbus_message_iter_close_container(&top_, &dict_);
    return msg_.get();
  }

 private:
  void open(const char* key, const char* sig, DBusMessageIter* entry, DBusMessageIter* variant) {
    dbus_message_iter_open_container(&dict_, DBUS_TYPE_DICT_ENTRY, nullptr, entry);
    dbus_message_iter_append_basic(entry, DBUS_TYPE_STRING, &key);
    dbus_message_iter_open_container(entry, DBUS_TYPE_VARIANT, sig, variant);
  }
  void close(DBusMessageIter* entry, DBusMessageIter* variant) {
    dbus_message_iter_close_container(entry, variant);
    dbus_message_iter_close_container(&dict_, entry);
  }
  kc::dbus::Message msg_;
  DBusMessageIter top_, dict_;
};

}  // namespace

TEST_CASE("parse_properties reads the types systemd's unit properties use") {
  PropertiesReply reply;
  reply.add("ActiveState", DBUS_TYPE_STRING, "s", "active");
  reply.add("NeedDaemonReload", DBUS_TYPE_BOOLEAN, "b", dbus_bool_t{TRUE});
  reply.add("ActiveEnterTimestamp", DBUS_TYPE_UINT64, "t", dbus_uint64_t{1700000000123456});
  reply.add("NRestarts", DBUS_TYPE_UINT32, "u", dbus_uint32_t{3});
  reply.add("ExecMainStatus", DBUS_TYPE_INT32, "i", dbus_int32_t{-2});
  const unsigned char id[] = {0x0f, 0xa0, 0x12};
  reply.add_array("InvocationID", DBUS_TYPE_BYTE, "ay", id, 3);
  const char* paths[] = {"/etc/a.conf", "/etc/b.conf"};
  reply.add_array("DropInPaths", DBUS_TYPE_STRING, "as", paths, 2);
  reply.add("CPUWeight", DBUS_TYPE_DOUBLE, "d", 1.5);  // a type kc does not read: skipped

  auto props = kc::dbus::parse_properties(reply.done());
  REQUIRE(props.ok());
  CHECK(std::get<std::string>(props->at("ActiveState")) == "active");
  CHECK(std::get<bool>(props->at("NeedDaemonReload")));
  CHECK(std::get<std::uint64_t>(props->at("ActiveEnterTimestamp")) == 1700000000123456u);
  CHECK(std::get<std::uint64_t>(props->at("NRestarts")) == 3u);
  CHECK(std::get<std::int64_t>(props->at("ExecMainStatus")) == -2);
  CHECK(std::get<std::string>(props->at("InvocationID")) == "0fa012");
  CHECK(std::get<std::vector<std::string>>(props->at("DropInPaths")) ==
        std::vector<std::string>{"/etc/a.conf", "/etc/b.conf"});
  CHECK(props->count("CPUWeight") == 0);
}

TEST_CASE("parse_properties rejects a reply that is not a{sv}") {
  kc::dbus::Message msg(dbus_message_new(DBUS_MESSAGE_TYPE_METHOD_RETURN));
  const char* s = "x";
  dbus_message_append_args(msg.get(), DBUS_TYPE_STRING, &s, DBUS_TYPE_INVALID);
  auto props = kc::dbus::parse_properties(msg.get());
  REQUIRE_FALSE(props.ok());
  CHECK(props.error().why == "expected a{sv}, got 's'");
}

TEST_CASE("system_bus_address honours DBUS_SYSTEM_BUS_ADDRESS") {
  unsetenv("DBUS_SYSTEM_BUS_ADDRESS");
  CHECK(kc::dbus::system_bus_address() == "unix:path=/run/dbus/system_bus_socket");
  setenv("DBUS_SYSTEM_BUS_ADDRESS", "unix:path=/tmp/x", 1);
  CHECK(kc::dbus::system_bus_address() == "unix:path=/tmp/x");
  unsetenv("DBUS_SYSTEM_BUS_ADDRESS");
}

TEST_CASE("open fails with a clear error when nothing listens at the address") {
  ScratchDir dir;
  const std::string address = "unix:path=" + (dir / "missing").string();
  auto conn = kc::dbus::Connection::open(address, std::chrono::milliseconds(2000));
  REQUIRE_FALSE(conn.ok());
  CHECK(conn.error().where == address);
  CHECK(conn.error().why.find("No such file or directory") != std::string::npos);
}

TEST_CASE("open gives up when the peer accepts but never answers") {
  ScratchDir dir;
  const std::string path = (dir / "silent").string();
  int fd = socket(AF_UNIX, SOCK_STREAM, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::strncpy(addr.sun_path, path.c_str(), sizeof(addr.sun_path) - 1);
  REQUIRE(bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
  REQUIRE(listen(fd, 4) == 0);  // the kernel completes the connection; nobody ever talks

  auto conn = kc::dbus::Connection::open("unix:path=" + path, std::chrono::milliseconds(300));
  REQUIRE_FALSE(conn.ok());
  CHECK(conn.error().what == "connect to the D-Bus bus");
  CHECK(conn.error().why == "no answer to authentication within 300 ms");
  close(fd);
}
