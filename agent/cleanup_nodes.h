// Kubernetes Node objects as kc-cleanup needs them: a compact record of the few fields the cleanup
// rule reads, extracted from NodeList pages and watch events with a SAX parser, so memory follows
// the number of nodes and not the size of their JSON (a real Node is about 8 KB, mostly
// status.images, none of which is kept).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/core/error.h"
#include "common/kube/kube_client.h"

namespace kc::cleanup {

inline constexpr std::string_view kTaintToBeDeleted = "ToBeDeletedByClusterAutoscaler";
inline constexpr std::string_view kTaintUnreachable = "node.kubernetes.io/unreachable";
inline constexpr std::string_view kLabelControlPlane = "node-role.kubernetes.io/control-plane";
inline constexpr std::string_view kLabelMaster = "node-role.kubernetes.io/master";  // before 1.24

enum class ReadyStatus : uint8_t { missing, ready, not_ready, unknown };

struct NodeInfo {
  std::string name;
  std::string uid;
  std::string resource_version;      // metadata.resourceVersion: the version the rule judged
  bool control_plane = false;        // has a control-plane (or legacy master) role label
  bool taint_to_be_deleted = false;  // ToBeDeletedByClusterAutoscaler
  bool taint_unreachable = false;    // node.kubernetes.io/unreachable
  ReadyStatus ready = ReadyStatus::missing;
  std::optional<int64_t> ready_since;  // the Ready condition's lastTransitionTime, Unix seconds

  bool operator==(const NodeInfo&) const = default;
};

struct NodeListPage {
  std::vector<NodeInfo> items;
  std::string resource_version;
  std::string continue_token;
};

struct WatchEvent {
  enum class Type : uint8_t { added, modified, deleted, bookmark, error };
  Type type = Type::error;
  NodeInfo node;
  std::string resource_version;  // the object's metadata.resourceVersion
  int error_code = 0;            // for Type::error: the Status code (410 = Gone)
  std::string error_message;
};

// Parses a NodeList (one page of GET /api/v1/nodes) held whole: the page fed to NodeListStream
// in one chunk (tests, the fuzzer).
Result<NodeListPage> parse_node_list(std::string_view json);

// Parses one line of a watch stream: {"type":"MODIFIED","object":{...}}.
Result<WatchEvent> parse_watch_event(std::string_view json);

// Seconds since the epoch for an RFC 3339 time as the API server writes it
// ("2026-11-28T23:00:00Z", also with fractional seconds or a numeric offset).
std::optional<int64_t> parse_rfc3339(std::string_view text);

// All Nodes, page by page (limit per page): each page is parsed while it arrives
// (NodeListStream) and each item's compact record handed to on_node at once, so the caller
// builds its cache in place (no second copy of the node set, no page buffer). On an error
// on_node may have had part of the list: the caller must not use what it built. Returns the
// list's resourceVersion.
Result<std::string> list_nodes(kube::Client& client, size_t limit,
                               const std::function<void(NodeInfo&&)>& on_node,
                               const kube::Tick& tick);

// Watches Nodes from resource_version, calling on_event for each event (false stops the watch);
// an ERROR event with code 410 ends it as WatchEnd::gone.
Result<kube::WatchEnd> watch_nodes(kube::Client& client, const std::string& resource_version,
                                   int timeout_seconds, std::chrono::seconds stall_timeout,
                                   const std::function<bool(WatchEvent&)>& on_event,
                                   const kube::Tick& tick);

// Deletes Node `name` if it still has `uid` and (when not empty) `resource_version`.
Result<kube::DeleteResult> delete_node(kube::Client& client, const std::string& name,
                                       const std::string& uid, const std::string& resource_version,
                                       const kube::Tick& tick);

}  // namespace kc::cleanup
