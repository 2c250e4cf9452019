#include "agent/cleanup_rule.h"

#include <algorithm>
#include <ctime>

namespace kc::cleanup {

Judgement judge(const NodeInfo& node, int64_t now, std::chrono::seconds grace) {
  if (!node.taint_to_be_deleted || !node.taint_unreachable) return {Verdict::not_marked};
  if (node.ready != ReadyStatus::unknown) return {Verdict::not_unknown};
  if (node.control_plane) return {Verdict::control_plane};
  if (!node.ready_since) return {Verdict::no_since};
  const int64_t eligible_at = *node.ready_since + grace.count();
  if (now < eligible_at) return {Verdict::in_grace, eligible_at};
  return {Verdict::delete_node};
}

std::string format_time(int64_t unix_seconds) {
  const time_t t = static_cast<time_t>(unix_seconds);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

std::string format_duration(int64_t seconds) {
  if (seconds < 0) seconds = 0;
  std::string out;
  if (seconds >= 3600) out += std::to_string(seconds / 3600) + "h";
  if (seconds >= 60) out += std::to_string(seconds % 3600 / 60) + "m";
  out += std::to_string(seconds % 60) + "s";
  return out;
}

std::string deletion_reason(const NodeInfo& node, int64_t now) {
  std::string out = "tainted " + std::string(kTaintToBeDeleted) + " and " +
                    std::string(kTaintUnreachable) + ", Ready Unknown";
  if (node.ready_since) {
    out += " since " + format_time(*node.ready_since) + " (" +
           format_duration(now - *node.ready_since) + ")";
  }
  return out;
}

SweepPlan plan_sweep(const NodeCache& nodes, int64_t now, std::chrono::seconds grace,
                     size_t max_deletions) {
  SweepPlan plan;
  std::vector<const NodeInfo*> eligible;
  for (const auto& [name, node] : nodes) {
    const Judgement j = judge(node, now, grace);
    switch (j.verdict) {
      case Verdict::delete_node:
        eligible.push_back(&node);
        break;
      case Verdict::control_plane:
        ++plan.control_plane_spared;
        break;
      case Verdict::in_grace:
        if (plan.next_eligible_at == 0 || j.eligible_at < plan.next_eligible_at) {
          plan.next_eligible_at = j.eligible_at;
        }
        break;
      default:
        break;
    }
  }
  plan.candidates = eligible.size();
  std::sort(eligible.begin(), eligible.end(), [](const NodeInfo* a, const NodeInfo* b) {
    if (*a->ready_since != *b->ready_since) return *a->ready_since < *b->ready_since;
    return a->name < b->name;
  });
  const size_t n = std::min(max_deletions, eligible.size());
  for (size_t i = 0; i < n; ++i) plan.to_delete.push_back(*eligible[i]);
  plan.held_by_cap = eligible.size() - n;
  return plan;
}

}  // namespace kc::cleanup
