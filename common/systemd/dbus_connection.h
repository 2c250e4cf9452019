// A small C++ face on libdbus-1: one private connection to a bus, method calls that each have a
// timeout, and a handler for signals. No libsystemd, no threads: signals are dispatched while kc
// waits (wait_until), and any that arrive while a call blocks stay queued until then.
#pragma once

#include <dbus/dbus.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <variant>
#include <vector>

#include "common/core/error.h"

namespace kc::dbus {

struct MessageUnref {
  void operator()(DBusMessage* m) const { dbus_message_unref(m); }
};
using Message = std::unique_ptr<DBusMessage, MessageUnref>;

// A method call message; append arguments with dbus_message_append_args.
Message method_call(const char* destination, const char* path, const char* interface,
                    const char* method);

// The value of a property, as read from a variant. Integers of every width are widened;
// byte arrays ("ay", such as InvocationID) become lowercase hex; other types are skipped.
using Value =
    std::variant<std::string, std::int64_t, std::uint64_t, bool, std::vector<std::string>>;
using Properties = std::map<std::string, Value>;

// Parses the a{sv} reply of org.freedesktop.DBus.Properties.GetAll.
Result<Properties> parse_properties(DBusMessage* reply);

// Reads the reply's arguments (dbus_message_get_args); the error names the method.
template <class... Args>
Status read_args(DBusMessage* reply, const char* method, Args... args);

// The system bus: $DBUS_SYSTEM_BUS_ADDRESS, else unix:path=/run/dbus/system_bus_socket.
std::string system_bus_address();

class Connection {
 public:
  using Clock = std::chrono::steady_clock;
  using SignalHandler = std::function<void(DBusMessage*)>;

  // Connects, authenticates and says Hello, all within `timeout`.
  static Result<std::unique_ptr<Connection>> open(const std::string& address,
                                                  std::chrono::milliseconds timeout);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  const std::string& address() const { return address_; }

  // Sends a method call and waits at most `timeout` for its reply. A D-Bus error reply becomes
  // an Error whose `why` is "Name: message".
  Result<Message> call(DBusMessage* request, std::chrono::milliseconds timeout);

  // Asks the bus to route signals matching `rule` to this connection.
  Status add_match(const std::string& rule, std::chrono::milliseconds timeout);
  // Every signal received is passed to `handler` (one handler; set before add_match).
  void on_signal(SignalHandler handler) { signal_handler_ = std::move(handler); }

  // Reads and dispatches messages until done() is true; an error after `deadline` or when the
  // connection closes. `waiting_for` names what is awaited, for the error.
  Status wait_until(const std::function<bool()>& done, Clock::time_point deadline,
                    const std::string& waiting_for);

 private:
  Connection(DBusConnection* conn, std::string address);
  static DBusHandlerResult filter(DBusConnection*, DBusMessage* message, void* self);

  DBusConnection* conn_;
  std::string address_;
  SignalHandler signal_handler_;
};

}  // namespace kc::dbus

namespace kc::dbus {

template <class... Args>
Status read_args(DBusMessage* reply, const char* method, Args... args) {
  DBusError err;
  dbus_error_init(&err);
  if (!dbus_message_get_args(reply, &err, args..., DBUS_TYPE_INVALID)) {
    Error e{"read the reply to", method, std::string(err.name) + ": " + err.message, ""};
    dbus_error_free(&err);
    return e;
  }
  return {};
}

}  // namespace kc::dbus
