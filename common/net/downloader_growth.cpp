#include "common/net/downloader_growth.h"

#include <algorithm>

namespace kc {

GrowthDecision decide_growth(const GrowthState& state, RateSample now, int budget) {
  budget = std::max(1, budget);
  GrowthDecision out{state, now.connections};
  if (now.connections <= 0) return out;
  if (state.saturated) {
    if (now.bytes_per_second < kRefillBelow * state.full.bytes_per_second) {
      out.target = std::min(budget, std::max(now.connections + 1, state.full.connections));
    }
    return out;
  }
  if (const auto& before = state.before_addition;
      before && before->connections > 0 && now.connections > before->connections) {
    const double added = now.connections - before->connections;
    const double share = before->bytes_per_second * added / before->connections;
    if (now.bytes_per_second - before->bytes_per_second < kMeaningfulGrowth * share) {
      if (!state.rechecking) {
        out.state.rechecking = true;
        return out;
      }
      out.state.rechecking = false;
      out.state.saturated = true;
      out.state.full = now.bytes_per_second > before->bytes_per_second ? now : *before;
      out.state.before_addition.reset();
      return out;
    }
  }
  // No addition measured yet (or the last one could not open anything, or it raised the rate):
  // try one.
  out.state.rechecking = false;
  out.state.before_addition = now;
  out.target = std::min(budget, 2 * now.connections);
  if (out.target == now.connections) out.state.before_addition.reset();
  return out;
}

}  // namespace kc
