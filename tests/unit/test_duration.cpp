#include "common/core/duration.h"

#include <doctest/doctest.h>

#include <string>

using namespace std::chrono_literals;
using kc::BareNumber;
using kc::parse_duration;

TEST_CASE("parse_duration: number+unit parts, summed") {
  CHECK(parse_duration("5m") == 300'000ms);
  CHECK(parse_duration("1h30m") == 5'400'000ms);
  CHECK(parse_duration("250ms") == 250ms);
  CHECK(parse_duration("1m30s500ms") == 90'500ms);
  CHECK(parse_duration("0s") == 0ms);
  CHECK(parse_duration("8784h") == kc::kMaxDuration);
}

TEST_CASE("parse_duration: a bare number is 0 only, or seconds where a flag says so") {
  CHECK(parse_duration("0") == 0ms);  // as Go's time.ParseDuration
  CHECK_FALSE(parse_duration("45").has_value());
  CHECK_FALSE(parse_duration("00").has_value());  // Go takes exactly "0"
  CHECK(parse_duration("45", BareNumber::seconds) == 45'000ms);
  CHECK(parse_duration("0", BareNumber::seconds) == 0ms);
  // Only a lone number is bare: the last part of "1h30" has no unit.
  CHECK_FALSE(parse_duration("1h30", BareNumber::seconds).has_value());
  CHECK_FALSE(parse_duration("1h0").has_value());
}

TEST_CASE("parse_duration: malformed input is refused") {
  for (const char* bad : {"", "m", "5x", "-5m", "+5m", "1.5h", "5 m", " 5m", "5m ", "5M", "1d",
                          "ms", "5mss", "0x10s"}) {
    CHECK_MESSAGE(!parse_duration(bad).has_value(), bad);
    CHECK_MESSAGE(!parse_duration(bad, BareNumber::seconds).has_value(), bad);
  }
}

TEST_CASE("parse_duration: capped, so no sum overflows") {
  CHECK_FALSE(parse_duration("8785h").has_value());
  CHECK_FALSE(parse_duration("1000000001s").has_value());
  CHECK_FALSE(parse_duration("99999999999999999999h").has_value());
  CHECK_FALSE(parse_duration("31622400001", BareNumber::seconds).has_value());
  std::string many;
  for (int i = 0; i < 3000; ++i) many += "1000000000h";  // overflowed int64 before the cap
  CHECK_FALSE(parse_duration(many).has_value());
  std::string small;
  for (int i = 0; i < 3000; ++i) small += "1s";  // many small parts are fine
  CHECK(parse_duration(small) == 3'000'000ms);
}
