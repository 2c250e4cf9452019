#include "agent/cleanup_node_reader.h"

namespace kc::cleanup {
namespace {

// Reads the members of one Node the rule needs into `node` (the reader is at the Node object),
// skipping the rest. For a Status object (the object of an ERROR event) its code and message
// land in `code` / `message` when given.
class NodeReader {
 public:
  explicit NodeReader(JsonReader& r) : r_(r) {}

  bool read(NodeInfo& node, std::optional<int64_t>* code = nullptr,
            std::string* message = nullptr) {
    node = NodeInfo{};
    ready_seen_ = false;
    if (!r_.enter_object()) return false;
    std::string_view key;
    while (r_.next_member(key)) {
      if (key == "metadata") {
        metadata(node);
      } else if (key == "spec") {
        in_object([&](std::string_view k) {
          if (k == "taints") return taints(node), true;
          return false;
        });
      } else if (key == "status") {
        in_object([&](std::string_view k) {
          if (k == "conditions") return conditions(node), true;
          return false;
        });
      } else if (code != nullptr && key == "code") {
        *code = r_.integer_value();
      } else if (message != nullptr && key == "message") {
        if (auto v = r_.string_value()) *message = *v;
      } else {
        r_.skip();
      }
    }
    return !r_.failed();
  }

 private:
  // Calls member(key) for each member of the object next in the reader (which consumes the
  // value and returns true, or returns false to have it skipped); a value that is not an object
  // is skipped.
  template <typename F>
  void in_object(F&& member) {
    if (r_.peek() != JsonReader::Kind::object) {
      r_.skip();
      return;
    }
    r_.enter_object();
    std::string_view key;
    while (r_.next_member(key)) {
      if (!member(key)) r_.skip();
    }
  }
  // The same for each element of an array.
  template <typename F>
  void in_array(F&& element) {
    if (r_.peek() != JsonReader::Kind::array) {
      r_.skip();
      return;
    }
    r_.enter_array();
    while (r_.next_element()) element();
  }

  void metadata(NodeInfo& node) {
    in_object([&](std::string_view k) {
      std::string* field = nullptr;
      if (k == "name")
        field = &node.name;
      else if (k == "uid")
        field = &node.uid;
      else if (k == "resourceVersion")
        field = &node.resource_version;
      else if (k == "labels")
        return labels(node), true;
      else
        return false;
      if (auto v = r_.string_value()) field->assign(*v);
      return true;
    });
  }

  void labels(NodeInfo& node) {
    in_object([&](std::string_view k) {
      const bool role = k == kLabelControlPlane || k == kLabelMaster;
      if (r_.string_value() && role) node.control_plane = true;
      return true;
    });
  }

  void taints(NodeInfo& node) {
    in_array([&] {
      in_object([&](std::string_view k) {
        if (k != "key") return false;
        if (auto v = r_.string_value()) {
          if (*v == kTaintToBeDeleted) node.taint_to_be_deleted = true;
          if (*v == kTaintUnreachable) node.taint_unreachable = true;
        }
        return true;
      });
    });
  }

  void conditions(NodeInfo& node) {
    in_array([&] {
      if (r_.peek() != JsonReader::Kind::object) {
        r_.skip();
        return;
      }
      bool ready = false;
      std::string status, since;
      in_object([&](std::string_view k) {
        if (k == "type") {
          auto v = r_.string_value();
          ready = v && *v == "Ready";
        } else if (k == "status") {
          auto v = r_.string_value();
          status = v ? std::string(*v) : std::string();
        } else if (k == "lastTransitionTime") {
          auto v = r_.string_value();
          since = v ? std::string(*v) : std::string();
        } else {
          return false;
        }
        return true;
      });
      if (!ready || ready_seen_ || r_.failed()) return;
      // The first Ready condition counts, as Kubernetes' own helpers take it. Only the exact
      // "Unknown" is Unknown: no status, or one this version does not know, is not.
      ready_seen_ = true;
      if (status == "True")
        node.ready = ReadyStatus::ready;
      else if (status == "False")
        node.ready = ReadyStatus::not_ready;
      else if (status == "Unknown")
        node.ready = ReadyStatus::unknown;
      else
        node.ready = ReadyStatus::missing;
      node.ready_since = parse_rfc3339(since);
    });
  }

  JsonReader& r_;
  bool ready_seen_ = false;
};

}  // namespace

bool read_node(JsonReader& r, NodeInfo& node, std::optional<int64_t>* code, std::string* message) {
  return NodeReader(r).read(node, code, message);
}

}  // namespace kc::cleanup
