#include "common/net/downloader_growth.h"

#include <doctest/doctest.h>

#include <algorithm>

using namespace kc;

namespace {

constexpr double MB = 1e6;

// Feeds the rule what a link would measure at each connection count, starting from `files`
// connections, until it stops changing the target; returns the connections it settled on.
template <typename Link>
int settle(int files, int budget, Link link, GrowthState* out = nullptr) {
  GrowthState state;
  int connections = files;
  for (int round = 0; round < 20; ++round) {
    const GrowthDecision d = decide_growth(state, {connections, link(connections)}, budget);
    state = d.state;
    if (d.target == connections && !state.before_addition) break;
    connections = d.target;
  }
  if (out) *out = state;
  return connections;
}

}  // namespace

TEST_CASE("growth: with no addition measured yet, the rule doubles the connections") {
  const GrowthDecision d = decide_growth({}, {5, 125 * MB}, 12);
  CHECK(d.target == 10);
  CHECK_FALSE(d.state.saturated);
  REQUIRE(d.state.before_addition.has_value());
  CHECK(d.state.before_addition->connections == 5);
  CHECK(d.state.before_addition->bytes_per_second == 125 * MB);
}

TEST_CASE("growth: doubling stops at the budget") {
  CHECK(decide_growth({}, {8, 200 * MB}, 12).target == 12);
  const GrowthDecision full = decide_growth({}, {12, 300 * MB}, 12);
  CHECK(full.target == 12);
  CHECK_FALSE(full.state.before_addition.has_value());    // nothing to compare against next time
  CHECK(decide_growth({}, {1, 25 * MB}, 0).target == 1);  // a budget below 1 means 1
}

TEST_CASE("growth: an addition that raised the rate by its share keeps the doubling going") {
  GrowthState probed;
  probed.before_addition = RateSample{5, 125 * MB};
  const GrowthDecision d = decide_growth(probed, {10, 245 * MB}, 24);
  CHECK(d.target == 20);
  CHECK_FALSE(d.state.saturated);
  CHECK(d.state.before_addition->connections == 10);
}

TEST_CASE("growth: an addition that brought less than half its share, twice, marks saturation") {
  GrowthState probed;
  probed.before_addition = RateSample{5, 100 * MB};
  // 5 more connections would bring 100 MB/s on a per-connection cap; 40 MB/s is below half.
  const GrowthDecision first = decide_growth(probed, {10, 140 * MB}, 12);
  CHECK_FALSE(first.state.saturated);  // new connections may still be starting: one more window
  CHECK(first.state.rechecking);
  CHECK(first.target == 10);
  const GrowthDecision d = decide_growth(first.state, {10, 140 * MB}, 12);
  CHECK(d.state.saturated);
  CHECK_FALSE(d.state.rechecking);
  CHECK(d.target == 10);  // keeps what runs, adds nothing
  CHECK_FALSE(d.state.before_addition.has_value());
  CHECK(d.state.full.connections == 10);
  CHECK(d.state.full.bytes_per_second == 140 * MB);
  // Just at half its share still counts as growth, also in the second window.
  const GrowthDecision grew = decide_growth(first.state, {10, 150 * MB}, 12);
  CHECK_FALSE(grew.state.saturated);
  CHECK_FALSE(grew.state.rechecking);
  CHECK(grew.target == 12);
}

TEST_CASE("growth: a rate that fell after an addition is saturation too (contention)") {
  GrowthState probed;
  probed.before_addition = RateSample{5, 98 * MB};
  probed.rechecking = true;
  const GrowthDecision d = decide_growth(probed, {10, 93 * MB}, 12);
  CHECK(d.state.saturated);
  CHECK(d.target == 10);
  CHECK(d.state.full.connections == 5);  // the full link is the better measurement
  CHECK(d.state.full.bytes_per_second == 98 * MB);
}

TEST_CASE("growth: saturated, connections that end are not replaced while the rate holds") {
  GrowthState saturated;
  saturated.saturated = true;
  saturated.full = RateSample{5, 100 * MB};
  CHECK(decide_growth(saturated, {3, 97 * MB}, 12).target == 3);
  CHECK(decide_growth(saturated, {1, 86 * MB}, 12).target == 1);
  CHECK(decide_growth(saturated, {8, 120 * MB}, 12).target == 8);
}

TEST_CASE("growth: saturated, a rate clearly below the full link's brings connections back") {
  GrowthState saturated;
  saturated.saturated = true;
  saturated.full = RateSample{5, 100 * MB};
  const GrowthDecision d = decide_growth(saturated, {2, 50 * MB}, 12);
  CHECK(d.target == 5);  // as many as filled the link
  CHECK(d.state.saturated);
  CHECK(decide_growth(saturated, {6, 50 * MB}, 12).target == 7);    // more than that: one more
  CHECK(decide_growth(saturated, {12, 50 * MB}, 12).target == 12);  // not past the budget
  CHECK(decide_growth(saturated, {2, 50 * MB}, 4).target == 4);
}

TEST_CASE("growth: an addition that could not open anything is tried again, not judged") {
  GrowthState probed;
  probed.before_addition = RateSample{2, 50 * MB};
  const GrowthDecision d = decide_growth(probed, {2, 50 * MB}, 12);
  CHECK_FALSE(d.state.saturated);
  CHECK(d.target == 4);
}

TEST_CASE("growth: no connection measured changes nothing") {
  GrowthState probed;
  probed.before_addition = RateSample{5, 100 * MB};
  const GrowthDecision d = decide_growth(probed, {0, 0}, 12);
  CHECK(d.target == 0);
  CHECK_FALSE(d.state.saturated);
  CHECK(d.state.before_addition->connections == 5);
}

TEST_CASE("growth: a per-connection cap ends at the budget, a shared link where it saturated") {
  auto per_connection = [](int n) { return n * 25 * MB; };
  auto shared = [](int n) { return std::min(n * 97 * MB, 100 * MB); };
  auto mixed = [](int n) { return std::min(n * 25 * MB, 200 * MB); };  // 8 capped fill the link
  CHECK(settle(5, 12, per_connection) == 12);
  CHECK(settle(1, 12, per_connection) == 12);
  GrowthState state;
  CHECK(settle(5, 12, shared, &state) == 10);  // one doubling tried, kept, nothing more
  CHECK(state.saturated);
  CHECK(settle(1, 12, shared) == 2);
  CHECK(settle(2, 12, mixed, &state) == 12);  // 2, 4, 8 grew; 12 did not, and stays
  CHECK(state.saturated);
  CHECK(settle(5, 5, shared) == 5);  // a budget of one per file never splits
}
