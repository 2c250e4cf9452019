#include "common/systemd/dbus_connection.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstdlib>
#include <optional>

namespace kc::dbus {
namespace {

int to_ms(std::chrono::milliseconds timeout) {
  return static_cast<int>(std::max<std::int64_t>(1, timeout.count()));
}

// Takes the name and message out of a set DBusError and frees it.
std::string take(DBusError& err) {
  std::string why = std::string(err.name ? err.name : "") + ": " + (err.message ? err.message : "");
  dbus_error_free(&err);
  return why;
}

std::string hex(DBusMessageIter* array) {
  const unsigned char* bytes = nullptr;
  int n = 0;
  dbus_message_iter_get_fixed_array(array, &bytes, &n);
  std::string out;
  for (int i = 0; i < n; ++i) out += fmt::format("{:02x}", bytes[i]);
  return out;
}

// Reads the value inside a variant; nullopt for types kc does not use (structs, doubles, ...).
std::optional<Value> read_value(DBusMessageIter* it) {
  switch (dbus_message_iter_get_arg_type(it)) {
    case DBUS_TYPE_STRING:
    case DBUS_TYPE_OBJECT_PATH:
    case DBUS_TYPE_SIGNATURE: {
      const char* s = nullptr;
      dbus_message_iter_get_basic(it, &s);
      return Value(std::string(s));
    }
    case DBUS_TYPE_BOOLEAN: {
      dbus_bool_t b = FALSE;
      dbus_message_iter_get_basic(it, &b);
      return Value(b != FALSE);
    }
    case DBUS_TYPE_BYTE:
    case DBUS_TYPE_UINT16:
    case DBUS_TYPE_UINT32:
    case DBUS_TYPE_UINT64:
    case DBUS_TYPE_INT16:
    case DBUS_TYPE_INT32:
    case DBUS_TYPE_INT64: {
      DBusBasicValue v{};
      const int type = dbus_message_iter_get_arg_type(it);
      dbus_message_iter_get_basic(it, &v);
      switch (type) {
        case DBUS_TYPE_BYTE:
          return Value(std::uint64_t{v.byt});
        case DBUS_TYPE_UINT16:
          return Value(std::uint64_t{v.u16});
        case DBUS_TYPE_UINT32:
          return Value(std::uint64_t{v.u32});
        case DBUS_TYPE_UINT64:
          return Value(std::uint64_t{v.u64});
        case DBUS_TYPE_INT16:
          return Value(std::int64_t{v.i16});
        case DBUS_TYPE_INT32:
          return Value(std::int64_t{v.i32});
        default:
          return Value(std::int64_t{v.i64});
      }
    }
    case DBUS_TYPE_ARRAY: {
      DBusMessageIter elems;
      const int elem_type = dbus_message_iter_get_element_type(it);
      dbus_message_iter_recurse(it, &elems);
      if (elem_type == DBUS_TYPE_BYTE) return Value(hex(&elems));
      if (elem_type != DBUS_TYPE_STRING && elem_type != DBUS_TYPE_OBJECT_PATH) return std::nullopt;
      std::vector<std::string> list;
      while (dbus_message_iter_get_arg_type(&elems) == elem_type) {
        const char* s = nullptr;
        dbus_message_iter_get_basic(&elems, &s);
        list.emplace_back(s);
        dbus_message_iter_next(&elems);
      }
      return Value(std::move(list));
    }
    default:
      return std::nullopt;
  }
}

}  // namespace

Message method_call(const char* destination, const char* path, const char* interface,
                    const char* method) {
  Message m(dbus_message_new_method_call(destination, path, interface, method));
  if (!m) std::abort();  // out of memory
  return m;
}

Result<Properties> parse_properties(DBusMessage* reply) {
  const Error malformed{
      "read properties", dbus_message_get_path(reply) ? dbus_message_get_path(reply) : "",
      fmt::format("expected a{{sv}}, got '{}'", dbus_message_get_signature(reply)), ""};
  if (std::string_view(dbus_message_get_signature(reply)) != "a{sv}") return malformed;
  DBusMessageIter top, dict;
  dbus_message_iter_init(reply, &top);
  dbus_message_iter_recurse(&top, &dict);
  Properties out;
  while (dbus_message_iter_get_arg_type(&dict) == DBUS_TYPE_DICT_ENTRY) {
    DBusMessageIter entry, variant;
    dbus_message_iter_recurse(&dict, &entry);
    const char* key = nullptr;
    dbus_message_iter_get_basic(&entry, &key);
    dbus_message_iter_next(&entry);
    dbus_message_iter_recurse(&entry, &variant);
    if (auto value = read_value(&variant)) out.emplace(key, std::move(*value));
    dbus_message_iter_next(&dict);
  }
  return out;
}

std::string system_bus_address() {
  const char* env = std::getenv("DBUS_SYSTEM_BUS_ADDRESS");
  return env && *env ? env : "unix:path=/run/dbus/system_bus_socket";
}

Connection::Connection(DBusConnection* conn, std::string address)
    : conn_(conn), address_(std::move(address)) {}

Connection::~Connection() {
  dbus_connection_close(conn_);
  dbus_connection_unref(conn_);
}

Result<std::unique_ptr<Connection>> Connection::open(const std::string& address,
                                                     std::chrono::milliseconds timeout) {
  DBusError err;
  dbus_error_init(&err);
  DBusConnection* raw = dbus_connection_open_private(address.c_str(), &err);
  if (!raw) return Error{"connect to the D-Bus bus", address, take(err), ""};
  dbus_connection_set_exit_on_disconnect(raw, FALSE);
  std::unique_ptr<Connection> conn(new Connection(raw, address));
  if (!dbus_connection_add_filter(raw, &Connection::filter, conn.get(), nullptr)) std::abort();
  // libdbus' call timeouts do not cover authentication (a peer that accepts the connection and
  // never answers blocks a call forever), and dbus_bus_register() waits for Hello with the
  // default 25 s: authenticate and say Hello here, each within `timeout`.
  const auto deadline = Clock::now() + timeout;
  while (!dbus_connection_get_is_authenticated(raw)) {
    const auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - Clock::now());
    if (left.count() <= 0) {
      return Error{"connect to the D-Bus bus", address,
                   fmt::format("no answer to authentication within {} ms", timeout.count()), ""};
    }
    if (!dbus_connection_read_write(raw, to_ms(left))) {
      return Error{"connect to the D-Bus bus", address, "the bus closed the connection", ""};
    }
  }
  Message hello = method_call(DBUS_SERVICE_DBUS, DBUS_PATH_DBUS, DBUS_INTERFACE_DBUS, "Hello");
  auto reply = conn->call(hello.get(), timeout);
  if (!reply) return std::move(reply).error();
  return conn;
}

Result<Message> Connection::call(DBusMessage* request, std::chrono::milliseconds timeout) {
  DBusError err;
  dbus_error_init(&err);
  Message reply(dbus_connection_send_with_reply_and_block(conn_, request, to_ms(timeout), &err));
  if (reply) return reply;
  const std::string method =
      fmt::format("{}.{}", dbus_message_get_interface(request), dbus_message_get_member(request));
  if (dbus_error_has_name(&err, DBUS_ERROR_NO_REPLY)) {
    dbus_error_free(&err);
    return Error{"call " + method, address_, fmt::format("no reply within {} ms", timeout.count()),
                 ""};
  }
  return Error{"call " + method, address_, take(err), ""};
}

Status Connection::add_match(const std::string& rule, std::chrono::milliseconds timeout) {
  Message m = method_call(DBUS_SERVICE_DBUS, DBUS_PATH_DBUS, DBUS_INTERFACE_DBUS, "AddMatch");
  const char* arg = rule.c_str();
  dbus_message_append_args(m.get(), DBUS_TYPE_STRING, &arg, DBUS_TYPE_INVALID);
  auto reply = call(m.get(), timeout);
  if (!reply) return std::move(reply).error();
  return {};
}

DBusHandlerResult Connection::filter(DBusConnection*, DBusMessage* message, void* self) {
  auto* conn = static_cast<Connection*>(self);
  if (dbus_message_get_type(message) == DBUS_MESSAGE_TYPE_SIGNAL && conn->signal_handler_) {
    conn->signal_handler_(message);
  }
  return DBUS_HANDLER_RESULT_NOT_YET_HANDLED;
}

Status Connection::wait_until(const std::function<bool()>& done, Clock::time_point deadline,
                              const std::string& waiting_for) {
  while (!done()) {
    const auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - Clock::now());
    if (left.count() <= 0) return Error{"wait for", waiting_for, "timed out", ""};
    if (!dbus_connection_read_write_dispatch(conn_, to_ms(left))) {
      return Error{"wait for", waiting_for, "the connection to " + address_ + " closed", ""};
    }
  }
  return {};
}

}  // namespace kc::dbus
