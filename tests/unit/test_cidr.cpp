#include "common/net/cidr.h"

#include <doctest/doctest.h>

TEST_CASE("parse_cidr takes IPv4 and IPv6 blocks and refuses set host bits and bad prefixes") {
  auto v4 = kc::parse_cidr("10.244.0.0/16");
  REQUIRE(v4);
  CHECK_FALSE(v4->ipv6);
  CHECK(v4->prefix == 16);
  auto v6 = kc::parse_cidr("fd00:10::/64");
  REQUIRE(v6);
  CHECK(v6->ipv6);
  for (const char* bad : {"10.244.0.1/16", "10.0.0.0", "10.0.0.0/33", "10.0.0.0/", "10.0.0.0/x",
                          "10.0.0/8", "fd00::/129", "", "/8", "10.0.0.0/-1"}) {
    CHECK_MESSAGE(!kc::parse_cidr(bad), bad);
  }
}

TEST_CASE("overlaps compares the bits of the shorter prefix, never across families") {
  auto a = *kc::parse_cidr("10.0.0.0/8");
  CHECK(a.overlaps(*kc::parse_cidr("10.96.0.0/12")));
  CHECK(kc::parse_cidr("10.96.0.0/12")->overlaps(a));
  CHECK_FALSE(kc::parse_cidr("10.244.0.0/16")->overlaps(*kc::parse_cidr("10.96.0.0/12")));
  CHECK_FALSE(kc::parse_cidr("172.16.0.0/12")->overlaps(a));
  CHECK(kc::parse_cidr("0.0.0.0/0")->overlaps(a));
  CHECK_FALSE(kc::parse_cidr("::/0")->overlaps(a));
}

TEST_CASE("address checks") {
  CHECK(kc::is_ipv4_address("10.0.0.10"));
  CHECK_FALSE(kc::is_ipv4_address("10.0.0"));
  CHECK_FALSE(kc::is_ipv4_address("fd00::1"));
  CHECK(kc::is_ip_address("fd00::1"));
  CHECK_FALSE(kc::is_ip_address("ip-10-0-0-1"));
}
