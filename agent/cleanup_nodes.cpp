#include "agent/cleanup_nodes.h"

#include <ctime>

#include "agent/cleanup_json.h"
#include "agent/cleanup_node_reader.h"
#include "agent/cleanup_node_stream.h"

namespace kc::cleanup {
namespace {

Error malformed(const std::string& what, const JsonReader& r) {
  return Error{what, "", r.error(), ""};
}

}  // namespace

Result<NodeListPage> parse_node_list(std::string_view text) {
  NodeListPage page;
  NodeListStream stream([&](NodeInfo&& node) { page.items.push_back(std::move(node)); });
  stream.begin();
  KC_TRY(stream.feed(text));
  auto next = stream.end();
  if (!next) return std::move(next).error();
  page.continue_token = std::move(*next);
  page.resource_version = stream.resource_version();
  return page;
}

Result<WatchEvent> parse_watch_event(std::string_view text) {
  WatchEvent event;
  std::string type;
  bool have_node = false;
  std::optional<int64_t> code;
  std::string message;
  JsonReader r(text);
  const char* what = "parse watch event";
  if (r.peek() == JsonReader::Kind::object) {
    r.enter_object();
    std::string_view key;
    while (r.next_member(key)) {
      if (key == "type") {
        if (auto v = r.string_value()) type = *v;
      } else if (key == "object" && r.peek() == JsonReader::Kind::object) {
        // An ERROR event's object is a Status: its code and message are read along.
        have_node = read_node(r, event.node, &code, &message);
      } else {
        r.skip();
      }
    }
  } else {
    r.skip();
  }
  if (!r.finish()) return malformed(what, r);
  if (type == "ERROR") {
    event = WatchEvent{};
    event.type = WatchEvent::Type::error;
    if (code && *code >= INT32_MIN && *code <= INT32_MAX)
      event.error_code = static_cast<int>(*code);
    event.error_message = std::move(message);
    return event;
  }
  if (!have_node) return Error{what, "", "no object in a " + type + " event", ""};
  event.resource_version = event.node.resource_version;
  if (type == "ADDED")
    event.type = WatchEvent::Type::added;
  else if (type == "MODIFIED")
    event.type = WatchEvent::Type::modified;
  else if (type == "DELETED")
    event.type = WatchEvent::Type::deleted;
  else if (type == "BOOKMARK")
    event.type = WatchEvent::Type::bookmark;
  else
    return Error{what, "", "unknown event type '" + type + "'", ""};
  if (event.type != WatchEvent::Type::bookmark &&
      (event.node.name.empty() || event.node.uid.empty())) {
    return Error{what, "", "a Node without metadata.name or metadata.uid", ""};
  }
  if (event.resource_version.empty()) {
    return Error{what, "", "no metadata.resourceVersion", ""};
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

Result<std::string> list_nodes(kube::Client& client, size_t limit,
                               const std::function<void(NodeInfo&&)>& on_node,
                               const kube::Tick& tick) {
  NodeListStream pages(on_node);
  KC_TRY(client.list("list nodes", kNodes, limit, pages, tick));
  return pages.resource_version();
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
