// A value that must never be logged (bootstrap tokens, private keys): formatting it prints
// "<redacted>"; only reveal() gives the value, where it is written to a 0600 file or a socket.
#pragma once

#include <fmt/core.h>

#include <string>
#include <string_view>
#include <utility>

namespace kc {

class Secret {
 public:
  Secret() = default;
  explicit Secret(std::string value) : value_(std::move(value)) {}
  const std::string& reveal() const { return value_; }
  bool empty() const { return value_.empty(); }

 private:
  std::string value_;
};

}  // namespace kc

template <>
struct fmt::formatter<kc::Secret> : fmt::formatter<std::string_view> {
  template <class Ctx>
  auto format(const kc::Secret&, Ctx& ctx) const {
    return fmt::formatter<std::string_view>::format("<redacted>", ctx);
  }
};
