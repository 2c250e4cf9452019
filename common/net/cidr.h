// IP addresses and CIDR blocks as kc's flags and IMDS give them ("10.0.0.0/16", "fd00::/8").
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace kc {

struct Cidr {
  bool ipv6 = false;
  std::array<uint8_t, 16> address{};  // network byte order; the first 4 bytes for IPv4
  int prefix = 0;

  // True when the two blocks share an address (never across address families).
  bool overlaps(const Cidr& other) const;
};

// A CIDR block "ADDRESS/PREFIX" whose host bits are zero; nullopt otherwise.
std::optional<Cidr> parse_cidr(std::string_view text);

bool is_ipv4_address(std::string_view text);
bool is_ip_address(std::string_view text);

}  // namespace kc
