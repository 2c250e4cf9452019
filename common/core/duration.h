// Durations as users write them in flags: Go's time.ParseDuration syntax (which they know from
// Kubernetes flags), restricted to the units kc needs and capped so that no sum can overflow.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string_view>

namespace kc {

// The longest duration parse_duration accepts (a year; 3000 x "1000000000h" overflowed).
inline constexpr std::chrono::milliseconds kMaxDuration = std::chrono::hours(24 * 366);

// What a number without a unit means: only "0", as in Go, or a number of seconds (kc-worker's
// --join-timeout has always taken "45").
enum class BareNumber : uint8_t { zero_only, seconds };

// Parses number+unit parts ("90s", "5m", "1h30m", "250ms"; units ms, s, m, h). Nothing longer
// than kMaxDuration, no sign, no fraction; every part but a lone bare number needs its unit.
std::optional<std::chrono::milliseconds> parse_duration(std::string_view text,
                                                        BareNumber bare = BareNumber::zero_only);

}  // namespace kc
