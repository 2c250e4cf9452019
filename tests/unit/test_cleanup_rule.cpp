#include "agent/cleanup_rule.h"

#include <doctest/doctest.h>

using kc::cleanup::NodeInfo;
using kc::cleanup::ReadyStatus;
using kc::cleanup::Verdict;
using namespace std::chrono_literals;

namespace {

constexpr int64_t kNow = 1'800'000'000;

NodeInfo doomed(const std::string& name, int64_t unknown_for) {
  NodeInfo n;
  n.name = name;
  n.uid = "uid-" + name;
  n.taint_to_be_deleted = true;
  n.taint_unreachable = true;
  n.ready = ReadyStatus::unknown;
  n.ready_since = kNow - unknown_for;
  return n;
}

}  // namespace

TEST_CASE("the rule: both taints and Ready Unknown for longer than the grace period") {
  CHECK(kc::cleanup::judge(doomed("a", 301), kNow, 300s).verdict == Verdict::delete_node);
  CHECK(kc::cleanup::judge(doomed("a", 300), kNow, 300s).verdict == Verdict::delete_node);

  NodeInfo fresh = doomed("f", 299);
  auto j = kc::cleanup::judge(fresh, kNow, 300s);
  CHECK(j.verdict == Verdict::in_grace);
  CHECK(j.eligible_at == kNow + 1);

  NodeInfo no_tbd = doomed("t", 3600);
  no_tbd.taint_to_be_deleted = false;
  CHECK(kc::cleanup::judge(no_tbd, kNow, 300s).verdict == Verdict::not_marked);
  NodeInfo no_unreachable = doomed("u", 3600);
  no_unreachable.taint_unreachable = false;
  CHECK(kc::cleanup::judge(no_unreachable, kNow, 300s).verdict == Verdict::not_marked);

  for (ReadyStatus s : {ReadyStatus::ready, ReadyStatus::not_ready, ReadyStatus::missing}) {
    NodeInfo n = doomed("r", 3600);
    n.ready = s;
    CHECK(kc::cleanup::judge(n, kNow, 300s).verdict == Verdict::not_unknown);
  }
}

TEST_CASE("guards: never control-plane, never without a transition time") {
  NodeInfo cp = doomed("cp", 3600);
  cp.control_plane = true;
  CHECK(kc::cleanup::judge(cp, kNow, 0s).verdict == Verdict::control_plane);
  NodeInfo no_since = doomed("n", 3600);
  no_since.ready_since.reset();
  CHECK(kc::cleanup::judge(no_since, kNow, 0s).verdict == Verdict::no_since);
}

TEST_CASE("plan_sweep caps deletions, longest-Unknown first, and reports the next grace end") {
  kc::cleanup::NodeCache cache;
  for (const NodeInfo& n : {doomed("b", 1000), doomed("a", 2000), doomed("c", 1500),
                            doomed("fresh", 100), doomed("fresher", 10)}) {
    cache[n.name] = n;
  }
  NodeInfo cp = doomed("cp", 5000);
  cp.control_plane = true;
  cache[cp.name] = cp;
  NodeInfo healthy;
  healthy.name = "healthy";
  healthy.uid = "h";
  healthy.ready = ReadyStatus::ready;
  cache[healthy.name] = healthy;

  auto plan = kc::cleanup::plan_sweep(cache, kNow, 300s, 2);
  CHECK(plan.candidates == 3);
  CHECK(plan.held_by_cap == 1);
  CHECK(plan.control_plane_spared == 1);
  REQUIRE(plan.to_delete.size() == 2);
  CHECK(plan.to_delete[0].name == "a");
  CHECK(plan.to_delete[1].name == "c");
  CHECK(plan.next_eligible_at == kNow - 100 + 300);

  auto all = kc::cleanup::plan_sweep(cache, kNow, 300s, 100);
  CHECK(all.to_delete.size() == 3);
  CHECK(all.held_by_cap == 0);

  auto none = kc::cleanup::plan_sweep({}, kNow, 300s, 5);
  CHECK(none.to_delete.empty());
  CHECK(none.next_eligible_at == 0);
}

TEST_CASE("deletion_reason says why") {
  const std::string r = kc::cleanup::deletion_reason(doomed("a", 361), kNow);
  CHECK(r.find("ToBeDeletedByClusterAutoscaler") != std::string::npos);
  CHECK(r.find("node.kubernetes.io/unreachable") != std::string::npos);
  CHECK(r.find("Ready Unknown since") != std::string::npos);
  CHECK(r.find("(6m1s)") != std::string::npos);
}

TEST_CASE("parse_duration and format_duration") {
  CHECK(kc::cleanup::parse_duration("5m") == 300'000ms);
  CHECK(kc::cleanup::parse_duration("1h30m") == 5'400'000ms);
  CHECK(kc::cleanup::parse_duration("250ms") == 250ms);
  CHECK(kc::cleanup::parse_duration("0s") == 0ms);
  CHECK(kc::cleanup::parse_duration("0") == 0ms);  // Go's durations accept a bare 0
  CHECK(kc::cleanup::parse_duration("8784h") == kc::cleanup::kMaxDuration);
  for (const char* bad : {"", "5", "m", "5x", "-5s", "1.5s", "00", "8784h1ms", "1000000000h"}) {
    CAPTURE(bad);
    CHECK_FALSE(kc::cleanup::parse_duration(bad).has_value());
  }
  // 3000 terms of 1000000000h overflowed int64 (a negative grace period under UBSan).
  std::string many;
  for (int i = 0; i < 3000; ++i) many += "1000000000h";
  CHECK_FALSE(kc::cleanup::parse_duration(many).has_value());
  CHECK(kc::cleanup::format_duration(3723) == "1h2m3s");
  CHECK(kc::cleanup::format_duration(59) == "59s");
  CHECK(kc::cleanup::format_time(0) == "1970-01-01T00:00:00Z");
}
