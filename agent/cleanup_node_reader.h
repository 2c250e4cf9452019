// Reads one Node object from a JsonReader into its compact NodeInfo: the one place that knows
// which members of a Node kc-cleanup keeps (NodeList items and watch events both come here).
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "agent/cleanup_json.h"
#include "agent/cleanup_nodes.h"

namespace kc::cleanup {

// Reads the object next in `r` into `node` (reset first), skipping what the rule does not need.
// For a Status object (the object of an ERROR event) its code and message land in `code` /
// `message` when given. False when the reader failed (r.error() says why).
bool read_node(JsonReader& r, NodeInfo& node, std::optional<int64_t>* code = nullptr,
               std::string* message = nullptr);

}  // namespace kc::cleanup
