#include "common/core/duration.h"

namespace kc {

std::optional<std::chrono::milliseconds> parse_duration(std::string_view text, BareNumber bare) {
  if (text.empty()) return std::nullopt;
  // A single part's number: 1e9 hours would already exceed the cap, so no part can overflow.
  constexpr int64_t kMaxNumber = 1'000'000'000;
  int64_t total_ms = 0;
  size_t i = 0;
  while (i < text.size()) {
    int64_t value = 0;
    const size_t start = i;
    while (i < text.size() && text[i] >= '0' && text[i] <= '9') {
      value = value * 10 + (text[i] - '0');
      if (value > kMaxNumber) return std::nullopt;
      ++i;
    }
    if (i == start) return std::nullopt;
    int64_t unit_ms = 0;
    if (i == text.size() && start == 0) {
      if (bare == BareNumber::zero_only && text != "0") return std::nullopt;  // Go: "00" is not
      unit_ms = 1000;  // a lone bare number: 0, or seconds
    } else if (text.substr(i, 2) == "ms") {
      unit_ms = 1;
      i += 2;
    } else if (i < text.size() && text[i] == 's') {
      unit_ms = 1000;
      ++i;
    } else if (i < text.size() && text[i] == 'm') {
      unit_ms = 60'000;
      ++i;
    } else if (i < text.size() && text[i] == 'h') {
      unit_ms = 3'600'000;
      ++i;
    } else {
      return std::nullopt;
    }
    total_ms += value * unit_ms;  // at most 1e9 * 3.6e6 per part, and the total stays capped
    if (total_ms > kMaxDuration.count()) return std::nullopt;
  }
  return std::chrono::milliseconds(total_ms);
}

}  // namespace kc
