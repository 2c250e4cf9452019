#include "agent/cleanup_nodes.h"

#include <nlohmann/json.hpp>

#include <ctime>

namespace kc::cleanup {
namespace {

using nlohmann::json;

// A SAX handler that tracks where in the document each value sits and hands Node fields to a
// NodeInfo under construction. `root` is the path of the Node object(s): {"items", "#"} in a
// list, {"object"} in a watch event ("#" stands for any array element).
class NodeSax : public nlohmann::json_sax<json> {
 public:
  explicit NodeSax(std::vector<std::string> root) : root_(std::move(root)) {}

  std::function<void(NodeInfo&&, std::string&& resource_version)> on_node;
  // Scalars outside the Node objects: ("metadata.resourceVersion", value) and so on.
  std::function<void(const std::string& path, const json& value)> on_outer;
  std::string error;

  bool null() override { return scalar(json(nullptr)); }
  bool boolean(bool v) override { return scalar(json(v)); }
  bool number_integer(number_integer_t v) override { return scalar(json(v)); }
  bool number_unsigned(number_unsigned_t v) override { return scalar(json(v)); }
  bool number_float(number_float_t v, const string_t&) override { return scalar(json(v)); }
  bool string(string_t& v) override { return scalar_string(v); }
  bool binary(binary_t&) override { return true; }

  bool start_object(std::size_t) override {
    if (!in_node_ && at_root()) {
      in_node_ = true;
      node_ = NodeInfo{};
      node_rv_.clear();
      ready_seen_ = false;
    } else if (in_node_ && rel_is({"status", "conditions", "#"})) {
      cond_type_.clear();
      cond_status_.clear();
      cond_time_.clear();
    }
    path_.emplace_back();
    return true;
  }
  bool end_object() override {
    path_.pop_back();
    if (in_node_ && path_.size() == root_.size() && at_root()) {
      in_node_ = false;
      if (on_node) on_node(std::move(node_), std::move(node_rv_));
    } else if (in_node_ && rel_is({"status", "conditions", "#"}) && cond_type_ == "Ready" &&
               !ready_seen_) {
      // The first Ready condition counts, as Kubernetes' own helpers take it. Only the exact
      // "Unknown" is Unknown: no status, or one this version does not know, is not.
      ready_seen_ = true;
      if (cond_status_ == "True") {
        node_.ready = ReadyStatus::ready;
      } else if (cond_status_ == "False") {
        node_.ready = ReadyStatus::not_ready;
      } else if (cond_status_ == "Unknown") {
        node_.ready = ReadyStatus::unknown;
      } else {
        node_.ready = ReadyStatus::missing;
      }
      node_.ready_since = parse_rfc3339(cond_time_);
    }
    return true;
  }
  bool start_array(std::size_t) override {
    path_.emplace_back("#");
    return true;
  }
  bool end_array() override {
    path_.pop_back();
    return true;
  }
  bool key(string_t& k) override {
    path_.back() = k;
    return true;
  }
  bool parse_error(std::size_t position, const std::string&,
                   const nlohmann::detail::exception& ex) override {
    error = "malformed JSON at byte " + std::to_string(position) + ": " + ex.what();
    return false;
  }

 private:
  bool ready_seen_ = false;  // this Node's first Ready condition was read

  bool at_root() const {
    if (path_.size() != root_.size()) return false;
    for (size_t i = 0; i < root_.size(); ++i) {
      if (root_[i] != path_[i]) return false;
    }
    return true;
  }
  // Whether the current position, relative to the Node object, is exactly `rel`.
  bool rel_is(std::initializer_list<std::string_view> rel) const {
    if (path_.size() != root_.size() + rel.size()) return false;
    size_t i = root_.size();
    for (std::string_view part : rel) {
      if (path_[i++] != part) return false;
    }
    return true;
  }

  bool scalar(const json& v) {
    if (!in_node_ && on_outer) on_outer(joined(), v);
    return true;
  }
  bool scalar_string(const std::string& v) {
    if (!in_node_) {
      if (on_outer) on_outer(joined(), json(v));
      return true;
    }
    const size_t depth = path_.size() - root_.size();
    if (depth == 2 && path_[root_.size()] == "metadata") {
      const std::string& k = path_.back();
      if (k == "name")
        node_.name = v;
      else if (k == "uid")
        node_.uid = v;
      else if (k == "resourceVersion")
        node_.resource_version = node_rv_ = v;
    } else if (depth == 3 && rel_is({"metadata", "labels", path_.back()})) {
      const std::string& k = path_.back();
      if (k == kLabelControlPlane || k == kLabelMaster) node_.control_plane = true;
    } else if (rel_is({"spec", "taints", "#", "key"})) {
      if (v == kTaintToBeDeleted) node_.taint_to_be_deleted = true;
      if (v == kTaintUnreachable) node_.taint_unreachable = true;
    } else if (depth == 4 && path_[root_.size()] == "status" &&
               path_[root_.size() + 1] == "conditions") {
      const std::string& k = path_.back();
      if (k == "type")
        cond_type_ = v;
      else if (k == "status")
        cond_status_ = v;
      else if (k == "lastTransitionTime")
        cond_time_ = v;
    }
    return true;
  }
  // The position outside any Node, as "a.b.c" (only used for a handful of values).
  std::string joined() const {
    std::string out;
    for (const std::string& p : path_) {
      if (!out.empty()) out += '.';
      out += p;
    }
    return out;
  }

  std::vector<std::string> root_;
  std::vector<std::string> path_;
  bool in_node_ = false;
  NodeInfo node_;
  std::string node_rv_;
  std::string cond_type_, cond_status_, cond_time_;
};

// nlohmann's SAX parser does not check that the input holds a single value; run it in strict
// mode so trailing garbage is an error too.
Status run_sax(std::string_view text, NodeSax& sax, const std::string& what) {
  const bool ok = json::sax_parse(text.begin(), text.end(), &sax, json::input_format_t::json, true);
  if (!ok) return Error{what, "", sax.error.empty() ? "malformed JSON" : sax.error, ""};
  return {};
}

}  // namespace

Result<NodeListPage> parse_node_list(std::string_view text) {
  NodeListPage page;
  std::string kind;
  NodeSax sax({"items", "#"});
  sax.on_node = [&](NodeInfo&& node, std::string&&) { page.items.push_back(std::move(node)); };
  sax.on_outer = [&](const std::string& path, const json& v) {
    if (!v.is_string()) return;
    if (path == "kind")
      kind = v.get<std::string>();
    else if (path == "metadata.resourceVersion")
      page.resource_version = v.get<std::string>();
    else if (path == "metadata.continue")
      page.continue_token = v.get<std::string>();
  };
  KC_TRY(run_sax(text, sax, "parse NodeList"));
  if (kind != "NodeList") {
    return Error{"parse NodeList", "", "kind is '" + kind + "', expected NodeList", ""};
  }
  if (page.resource_version.empty()) {
    return Error{"parse NodeList", "", "no metadata.resourceVersion", ""};
  }
  for (const NodeInfo& n : page.items) {
    if (n.name.empty() || n.uid.empty()) {
      return Error{"parse NodeList", "", "a Node without metadata.name or metadata.uid", ""};
    }
  }
  return page;
}

Result<WatchEvent> parse_watch_event(std::string_view text) {
  WatchEvent event;
  std::string type, object_kind;
  bool have_node = false;
  NodeSax sax({"object"});
  sax.on_node = [&](NodeInfo&& node, std::string&& rv) {
    event.node = std::move(node);
    event.resource_version = std::move(rv);
    have_node = true;
  };
  // A Status object (ERROR events) is parsed "as a Node" too; its code and message are outer
  // values only if the node handler did not claim them, so read them from the Node root path.
  sax.on_outer = [&](const std::string& path, const json& v) {
    if (path == "type" && v.is_string()) type = v.get<std::string>();
  };
  KC_TRY(run_sax(text, sax, "parse watch event"));
  if (type == "ERROR") {
    // Rare and small: parse it fully for the Status fields.
    json status = json::parse(text, nullptr, false);
    event.type = WatchEvent::Type::error;
    if (!status.is_discarded() && status.contains("object") && status["object"].is_object()) {
      const json& o = status["object"];
      if (o.contains("code") && o["code"].is_number_integer())
        event.error_code = o["code"].get<int>();
      if (o.contains("message") && o["message"].is_string())
        event.error_message = o["message"].get<std::string>();
    }
    return event;
  }
  if (!have_node) return Error{"parse watch event", "", "no object in a " + type + " event", ""};
  if (type == "ADDED")
    event.type = WatchEvent::Type::added;
  else if (type == "MODIFIED")
    event.type = WatchEvent::Type::modified;
  else if (type == "DELETED")
    event.type = WatchEvent::Type::deleted;
  else if (type == "BOOKMARK")
    event.type = WatchEvent::Type::bookmark;
  else
    return Error{"parse watch event", "", "unknown event type '" + type + "'", ""};
  if (event.type != WatchEvent::Type::bookmark &&
      (event.node.name.empty() || event.node.uid.empty())) {
    return Error{"parse watch event", "", "a Node without metadata.name or metadata.uid", ""};
  }
  if (event.resource_version.empty()) {
    return Error{"parse watch event", "", "no metadata.resourceVersion", ""};
  }
  return event;
}

std::optional<int64_t> parse_rfc3339(std::string_view s) {
  // YYYY-MM-DDTHH:MM:SS[.frac](Z|+HH:MM|-HH:MM)
  auto digits = [&](size_t pos, size_t n) -> std::optional<int> {
    if (pos + n > s.size()) return std::nullopt;
    int v = 0;
    for (size_t i = pos; i < pos + n; ++i) {
      if (s[i] < '0' || s[i] > '9') return std::nullopt;
      v = v * 10 + (s[i] - '0');
    }
    return v;
  };
  if (s.size() < 20 || s[4] != '-' || s[7] != '-' || (s[10] != 'T' && s[10] != 't') ||
      s[13] != ':' || s[16] != ':') {
    return std::nullopt;
  }
  auto year = digits(0, 4), month = digits(5, 2), day = digits(8, 2);
  auto hour = digits(11, 2), minute = digits(14, 2), second = digits(17, 2);
  if (!year || !month || !day || !hour || !minute || !second) return std::nullopt;
  if (*month < 1 || *month > 12 || *day < 1 || *day > 31 || *hour > 23 || *minute > 59 ||
      *second > 60) {
    return std::nullopt;
  }
  size_t pos = 19;
  if (pos < s.size() && s[pos] == '.') {
    ++pos;
    const size_t start = pos;
    while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') ++pos;
    if (pos == start) return std::nullopt;
  }
  int64_t offset = 0;
  if (pos < s.size() && (s[pos] == 'Z' || s[pos] == 'z')) {
    ++pos;
  } else if (pos < s.size() && (s[pos] == '+' || s[pos] == '-')) {
    auto oh = digits(pos + 1, 2), om = digits(pos + 4, 2);
    if (!oh || !om || pos + 3 >= s.size() || s[pos + 3] != ':') return std::nullopt;
    offset = (*oh * 3600 + *om * 60) * (s[pos] == '+' ? 1 : -1);
    pos += 6;
  } else {
    return std::nullopt;
  }
  if (pos != s.size()) return std::nullopt;
  std::tm tm{};
  tm.tm_year = *year - 1900;
  tm.tm_mon = *month - 1;
  tm.tm_mday = *day;
  tm.tm_hour = *hour;
  tm.tm_min = *minute;
  tm.tm_sec = *second;
  return static_cast<int64_t>(timegm(&tm)) - offset;
}

namespace {
constexpr const char* kNodes = "/api/v1/nodes";
}  // namespace

Result<NodeListPage> list_nodes(kube::Client& client, size_t limit, const kube::Tick& tick) {
  NodeListPage all;
  KC_TRY(client.list(
      "list nodes", kNodes, limit,
      [&](const std::string& body) -> Result<std::string> {
        auto page = parse_node_list(body);
        if (!page) return std::move(page).error();
        for (NodeInfo& n : page->items) all.items.push_back(std::move(n));
        all.resource_version = std::move(page->resource_version);
        return std::move(page->continue_token);
      },
      tick));
  return all;
}

Result<kube::WatchEnd> watch_nodes(kube::Client& client, const std::string& resource_version,
                                   int timeout_seconds, std::chrono::seconds stall_timeout,
                                   const std::function<bool(WatchEvent&)>& on_event,
                                   const kube::Tick& tick) {
  return client.watch(
      "watch nodes", kNodes, resource_version, timeout_seconds, stall_timeout,
      [&](std::string_view line) -> Result<kube::EventVerdict> {
        auto event = parse_watch_event(line);
        if (!event) return std::move(event).error();
        if (event->type == WatchEvent::Type::error) {
          if (event->error_code == 410) return kube::EventVerdict::gone;
          return Error{
              "read watch event", "",
              "ERROR event " + std::to_string(event->error_code) + ": " + event->error_message, ""};
        }
        return on_event(*event) ? kube::EventVerdict::more : kube::EventVerdict::stop;
      },
      tick);
}

Result<kube::DeleteResult> delete_node(kube::Client& client, const std::string& name,
                                       const std::string& uid, const std::string& resource_version,
                                       const kube::Tick& tick) {
  return client.delete_object("delete node", std::string(kNodes) + "/" + kube::path_segment(name),
                              uid, resource_version, tick);
}

}  // namespace kc::cleanup
