// Which Nodes kc-cleanup deletes. The upstream rule: tainted ToBeDeletedByClusterAutoscaler and
// node.kubernetes.io/unreachable, with the Ready condition Unknown. kc adds guards: never a
// control-plane node, Unknown for at least a grace period, at most N deletions per sweep.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "agent/cleanup_nodes.h"
#include "common/core/duration.h"

namespace kc::cleanup {

enum class Verdict {
  delete_node,    // meets the rule and every guard
  not_marked,     // lacks one of the two taints
  not_unknown,    // the Ready condition is True, False or missing
  control_plane,  // meets the rule but has the control-plane role: never deleted
  in_grace,       // meets the rule, but Unknown for less than the grace period
  no_since,       // meets the rule, but lastTransitionTime is missing or unreadable
};

struct Judgement {
  Verdict verdict = Verdict::not_marked;
  int64_t eligible_at = 0;  // for in_grace: when the grace period ends (Unix seconds)
};

Judgement judge(const NodeInfo& node, int64_t now, std::chrono::seconds grace);

// Why a node is deleted, for the log: "tainted ToBeDeletedByClusterAutoscaler and
// node.kubernetes.io/unreachable, Ready Unknown since 2026-11-29T00:01:02Z (6m0s)".
std::string deletion_reason(const NodeInfo& node, int64_t now);

std::string format_time(int64_t unix_seconds);  // RFC 3339 UTC
std::string format_duration(int64_t seconds);   // "1h2m3s"

using NodeCache = std::unordered_map<std::string, NodeInfo>;

struct SweepPlan {
  std::vector<NodeInfo> to_delete;  // at most max_deletions, longest-Unknown first
  size_t candidates = 0;            // nodes meeting rule and guards, before the cap
  size_t held_by_cap = 0;           // candidates left for a later sweep
  size_t control_plane_spared = 0;  // matching the rule but control-plane
  int64_t next_eligible_at = 0;     // earliest end of a grace period; 0 if none
};

SweepPlan plan_sweep(const NodeCache& nodes, int64_t now, std::chrono::seconds grace,
                     size_t max_deletions);

}  // namespace kc::cleanup

namespace kc::cleanup {
// The flags' durations (common/core/duration.h): Go's syntax, a bare "0", capped.
using kc::kMaxDuration;
using kc::parse_duration;
}  // namespace kc::cleanup
