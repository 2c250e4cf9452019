// Parses a NodeList page while it arrives: each chunk of the body is scanned as it comes, every
// complete element of "items" is read at once (JsonReader + read_node) and its NodeInfo handed
// to on_node, so no page buffer exists; only the one value still arriving is held (at most one
// Node's JSON plus a chunk). The outer object's other members (kind, apiVersion, metadata) may
// come before or after items. Validation is the reader's: the front end only finds where each
// member and item ends (strings, escapes and brackets) and checks the punctuation between them;
// each value is then checked by a JsonReader as a whole, nesting counted from the page's root
// and errors naming the page's byte, so a page fails the same whatever its chunks.
//
// On an error, on_node may already have had the items before it: the caller must not use what
// it built from a page that failed (kc-cleanup's cache is not used until a list succeeds).
// A second "items" member after an items array is refused, since the first one's nodes are
// handed over already (Kubernetes never sends one).
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>

#include "agent/cleanup_nodes.h"
#include "common/core/error.h"
#include "common/kube/kube_client.h"

namespace kc::cleanup {

class NodeListStream final : public kube::PageConsumer {
 public:
  explicit NodeListStream(std::function<void(NodeInfo&&)> on_node) : on_node_(std::move(on_node)) {}

  void begin() override;                         // a new page starts
  Status feed(std::string_view chunk) override;  // the next bytes of the page
  Result<std::string> end() override;            // the page is complete: its metadata.continue

  // metadata.resourceVersion of the last page that ended well.
  const std::string& resource_version() const { return resource_version_; }
  // Bytes held for the value still arriving.
  size_t buffered() const { return pending_.size(); }

 private:
  enum class State {
    start,        // before the outer '{'
    key_or_end,   // after '{'
    key,          // after ','
    colon,        // after a member name
    value,        // after ':'
    after_value,  // after a member's value
    item_or_end,  // after items' '['
    item,         // after ',' in items
    after_item,   // after an item
    done,         // after the outer '}'
    failed,
  };
  enum class Target { key, member, item };  // what the value being gathered is
  enum class Shape { nested, scalar };      // a string, object or array; a number or literal

  Status fail(size_t at, const char* why);
  // Starts gathering the value whose first byte is c at page offset `at`.
  Status start_value(char c, size_t at, Target target);
  // Scans data for the end of the value being gathered; the bytes of data it belongs to, and
  // whether it ended there.
  size_t scan(std::string_view data, bool& ended);
  Status handle_value(std::string_view value);
  Status handle_member(std::string_view value);
  Status handle_item(std::string_view value);

  std::function<void(NodeInfo&&)> on_node_;
  State state_ = State::start;
  size_t offset_ = 0;  // page bytes before the current chunk

  // The value being gathered.
  bool gathering_ = false;
  Target target_ = Target::member;
  Shape shape_ = Shape::nested;
  size_t value_at_ = 0;  // its first byte's page offset
  size_t depth_ = 0;     // open brackets inside it
  bool in_string_ = false, escape_ = false;
  std::string pending_;  // its bytes from earlier chunks

  std::string key_;  // the member whose value comes next
  bool items_seen_ = false;
  std::string kind_, page_resource_version_, continue_token_;
  std::string resource_version_;
};

}  // namespace kc::cleanup
