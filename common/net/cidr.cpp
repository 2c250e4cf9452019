#include "common/net/cidr.h"

#include <arpa/inet.h>

#include <charconv>

namespace kc {
namespace {

bool parse_address(std::string_view text, bool ipv6, uint8_t* out) {
  const std::string copy(text);
  return ::inet_pton(ipv6 ? AF_INET6 : AF_INET, copy.c_str(), out) == 1;
}

}  // namespace

bool Cidr::overlaps(const Cidr& other) const {
  if (ipv6 != other.ipv6) return false;
  // Two blocks overlap when they agree on the bits of the shorter prefix.
  const int bits = prefix < other.prefix ? prefix : other.prefix;
  for (int i = 0; i < bits; ++i) {
    const int mask = 0x80 >> (i % 8);
    if ((address[i / 8] & mask) != (other.address[i / 8] & mask)) return false;
  }
  return true;
}

std::optional<Cidr> parse_cidr(std::string_view text) {
  const size_t slash = text.find('/');
  if (slash == std::string_view::npos) return std::nullopt;
  Cidr out;
  out.ipv6 = text.substr(0, slash).find(':') != std::string_view::npos;
  if (!parse_address(text.substr(0, slash), out.ipv6, out.address.data())) return std::nullopt;
  const std::string_view prefix = text.substr(slash + 1);
  const auto [end, err] = std::from_chars(prefix.data(), prefix.data() + prefix.size(), out.prefix);
  const int max_prefix = out.ipv6 ? 128 : 32;
  if (prefix.empty() || err != std::errc() || end != prefix.data() + prefix.size() ||
      out.prefix < 0 || out.prefix > max_prefix) {
    return std::nullopt;
  }
  for (int i = out.prefix; i < max_prefix; ++i) {
    if (out.address[i / 8] & (0x80 >> (i % 8))) return std::nullopt;  // host bits set
  }
  return out;
}

bool is_ipv4_address(std::string_view text) {
  uint8_t buffer[16];
  return parse_address(text, false, buffer);
}

bool is_ip_address(std::string_view text) {
  uint8_t buffer[16];
  return parse_address(text, false, buffer) || parse_address(text, true, buffer);
}

}  // namespace kc
