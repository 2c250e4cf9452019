// When the downloader opens another ranged segment: only while more connections raise the
// aggregate rate. A per-connection cap (a CDN's or a proxy's) is a reason to split a file; a
// saturated shared link is not, and there every extra segment only costs (its handshake, and a
// file hashed back from disk after its last byte instead of while it streams in).
//
// The downloader starts one connection per file and measures the aggregate rate over a window;
// then it doubles the connections (up to its budget) and measures again. An addition that brought
// at least half of its proportional share keeps the doubling going, and a connection that ends is
// replaced at once (the link is per-connection bound). One that did not, in two windows in a row
// (new connections may still be starting in the first), marks the link saturated:
// nothing more is added, and a connection that ends is not replaced, unless the rate then falls
// clearly below the one measured when the link was found saturated (the remaining connections no
// longer fill it): then the connections of that measurement come back.
#pragma once

#include <optional>

namespace kc {

// The aggregate receive rate of all transfers over one window with a constant connection count.
struct RateSample {
  int connections = 0;
  double bytes_per_second = 0;
};

struct GrowthState {
  std::optional<RateSample> before_addition;  // measured just before the last addition
  bool rechecking = false;  // one window after the addition showed too little; one more decides
  bool saturated = false;   // an addition did not raise the rate
  RateSample full;          // once saturated: the better of the two measurements that showed it
};

struct GrowthDecision {
  GrowthState state;
  int target = 0;  // connections to keep busy from now on
};

// An addition must raise the rate by at least this share of what it would add on a link where
// every connection is capped alike (added / before x the rate before) to count.
inline constexpr double kMeaningfulGrowth = 0.5;
// Once saturated, a rate below this share of the full link's brings connections back.
inline constexpr double kRefillBelow = 0.85;

// The next step after measuring `now`, with at most `budget` connections in all. Pure.
GrowthDecision decide_growth(const GrowthState& state, RateSample now, int budget);

}  // namespace kc
