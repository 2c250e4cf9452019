#include "agent/cleanup_nodes.h"

#include <doctest/doctest.h>

#include <string>

using kc::cleanup::ReadyStatus;
using kc::cleanup::WatchEvent;

namespace {

// A Node as the API server returns it (trimmed: fewer images and annotations).
std::string node_json(const std::string& name, const std::string& ready, const std::string& taints,
                      const std::string& labels = "") {
  return R"({"kind":"Node","apiVersion":"v1","metadata":{"name":")" + name + R"(","uid":"uid-)" +
         name + R"(","resourceVersion":"42","labels":{"kubernetes.io/hostname":")" + name + "\"" +
         labels +
         R"(},"annotations":{"node.alpha.kubernetes.io/ttl":"0"}},"spec":{"providerID":"aws:///eu-west-1a/i-0abc","taints":[)" +
         taints +
         R"(]},"status":{"conditions":[{"type":"MemoryPressure","status":"Unknown","lastTransitionTime":"2020-01-01T00:00:00Z"},)"
         R"({"type":"Ready","status":")" +
         ready +
         R"(","lastHeartbeatTime":"2026-11-28T23:00:00Z","lastTransitionTime":"2026-11-28T23:10:00Z","reason":"NodeStatusUnknown"}],)"
         R"("addresses":[{"type":"InternalIP","address":"10.0.0.1"}],"images":[{"names":["registry.k8s.io/pause@sha256:ab","registry.k8s.io/pause:3.10"],"sizeBytes":320368}],)"
         R"("nodeInfo":{"kubeletVersion":"v1.36.3"}}})";
}

const std::string kBothTaints =
    R"({"key":"ToBeDeletedByClusterAutoscaler","value":"1732838400","effect":"NoSchedule"},)"
    R"({"key":"node.kubernetes.io/unreachable","effect":"NoExecute","timeAdded":"2026-11-28T23:10:05Z"})";

}  // namespace

TEST_CASE("parse_node_list keeps only the fields the rule needs") {
  const std::string list =
      R"({"kind":"NodeList","apiVersion":"v1","metadata":{"resourceVersion":"1234","continue":"tok=="},"items":[)" +
      node_json("a", "Unknown", kBothTaints) + "," +
      node_json("b", "True", "", R"(,"node-role.kubernetes.io/control-plane":"")") + "," +
      node_json("c", "False", R"({"key":"node.kubernetes.io/unreachable","effect":"NoSchedule"})") +
      "]}";
  auto page = kc::cleanup::parse_node_list(list);
  REQUIRE(page.ok());
  CHECK(page->resource_version == "1234");
  CHECK(page->continue_token == "tok==");
  REQUIRE(page->items.size() == 3);
  const auto& a = page->items[0];
  CHECK(a.name == "a");
  CHECK(a.uid == "uid-a");
  CHECK(a.resource_version == "42");  // the object's own version: DELETE's precondition
  CHECK(a.taint_to_be_deleted);
  CHECK(a.taint_unreachable);
  CHECK_FALSE(a.control_plane);
  CHECK(a.ready == ReadyStatus::unknown);
  REQUIRE(a.ready_since.has_value());
  CHECK(*a.ready_since == *kc::cleanup::parse_rfc3339("2026-11-28T23:10:00Z"));
  const auto& b = page->items[1];
  CHECK(b.control_plane);
  CHECK(b.ready == ReadyStatus::ready);
  CHECK_FALSE(b.taint_to_be_deleted);
  const auto& c = page->items[2];
  CHECK(c.ready == ReadyStatus::not_ready);
  CHECK(c.taint_unreachable);
  CHECK_FALSE(c.taint_to_be_deleted);
}

TEST_CASE("a label or annotation that merely looks like a taint or role does not count") {
  const std::string node = node_json(
      "x", "Unknown", "",
      R"(,"ToBeDeletedByClusterAutoscaler":"true","role":"node-role.kubernetes.io/control-plane")");
  auto page = kc::cleanup::parse_node_list(
      R"({"kind":"NodeList","metadata":{"resourceVersion":"1"},"items":[)" + node + "]}");
  REQUIRE(page.ok());
  CHECK_FALSE(page->items[0].taint_to_be_deleted);
  CHECK_FALSE(page->items[0].control_plane);
}

TEST_CASE("a Node without a Ready condition has ReadyStatus::missing") {
  auto page = kc::cleanup::parse_node_list(
      R"({"kind":"NodeList","metadata":{"resourceVersion":"1"},"items":[{"metadata":{"name":"n","uid":"u"},"status":{}}]})");
  REQUIRE(page.ok());
  CHECK(page->items[0].ready == ReadyStatus::missing);
  CHECK_FALSE(page->items[0].ready_since.has_value());
}

TEST_CASE("only a Ready status of exactly \"Unknown\" is Unknown") {
  const auto parse = [](const std::string& conditions) {
    auto page = kc::cleanup::parse_node_list(
        R"({"kind":"NodeList","metadata":{"resourceVersion":"1"},"items":[{"metadata":{"name":"n","uid":"u"},"status":{"conditions":[)" +
        conditions + "]}}]}");
    REQUIRE(page.ok());
    return page->items[0].ready;
  };
  CHECK(parse(R"({"type":"Ready","status":"Unknown"})") == ReadyStatus::unknown);
  CHECK(parse(R"({"type":"Ready"})") == ReadyStatus::missing);  // no status at all
  CHECK(parse(R"({"type":"Ready","status":""})") == ReadyStatus::missing);
  CHECK(parse(R"({"type":"Ready","status":"unknown"})") == ReadyStatus::missing);
  CHECK(parse(R"({"type":"Ready","status":"Maybe"})") == ReadyStatus::missing);
}

TEST_CASE("with duplicate Ready conditions the first one wins, as in Kubernetes' helpers") {
  auto page = kc::cleanup::parse_node_list(
      R"({"kind":"NodeList","metadata":{"resourceVersion":"1"},"items":[{"metadata":{"name":"n","uid":"u"},"status":{"conditions":[)"
      R"({"type":"Ready","status":"True","lastTransitionTime":"2026-11-28T23:00:00Z"},)"
      R"({"type":"Ready","status":"Unknown","lastTransitionTime":"2020-01-01T00:00:00Z"}]}}]})");
  REQUIRE(page.ok());
  CHECK(page->items[0].ready == ReadyStatus::ready);
  CHECK(page->items[0].ready_since == kc::cleanup::parse_rfc3339("2026-11-28T23:00:00Z"));
}

TEST_CASE("parse_node_list rejects truncated, malformed and foreign documents") {
  const std::string good = R"({"kind":"NodeList","metadata":{"resourceVersion":"1"},"items":[)" +
                           node_json("a", "True", "") + "]}";
  CHECK(kc::cleanup::parse_node_list(good).ok());
  CHECK_FALSE(kc::cleanup::parse_node_list(good.substr(0, good.size() / 2)).ok());
  CHECK_FALSE(kc::cleanup::parse_node_list(good + "garbage").ok());
  CHECK_FALSE(kc::cleanup::parse_node_list("").ok());
  CHECK_FALSE(kc::cleanup::parse_node_list(R"({"kind":"Status","code":500})").ok());
  CHECK_FALSE(kc::cleanup::parse_node_list(R"({"kind":"NodeList","items":[]})").ok());  // no RV
  CHECK_FALSE(
      kc::cleanup::parse_node_list(
          R"({"kind":"NodeList","metadata":{"resourceVersion":"1"},"items":[{"metadata":{"name":"n"}}]})")
          .ok());  // no uid
}

TEST_CASE("parse_watch_event: node events, bookmarks and 410 errors") {
  auto modified = kc::cleanup::parse_watch_event(R"({"type":"MODIFIED","object":)" +
                                                 node_json("a", "Unknown", kBothTaints) + "}");
  REQUIRE(modified.ok());
  CHECK(modified->type == WatchEvent::Type::modified);
  CHECK(modified->node.name == "a");
  CHECK(modified->node.taint_unreachable);
  CHECK(modified->resource_version == "42");
  CHECK(modified->node.resource_version == "42");

  auto bookmark = kc::cleanup::parse_watch_event(
      R"({"type":"BOOKMARK","object":{"kind":"Node","apiVersion":"v1","metadata":{"resourceVersion":"99","annotations":{"k8s.io/initial-events-end":"true"}}}})");
  REQUIRE(bookmark.ok());
  CHECK(bookmark->type == WatchEvent::Type::bookmark);
  CHECK(bookmark->resource_version == "99");

  auto gone = kc::cleanup::parse_watch_event(
      R"({"type":"ERROR","object":{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"too old resource version: 1 of 5","reason":"Expired","code":410
}
})");
  REQUIRE(gone.ok());
  CHECK(gone->type == WatchEvent::Type::error);
  CHECK(gone->error_code == 410);
  CHECK(gone->error_message.find("too old") != std::string::npos);

  CHECK_FALSE(
      kc::cleanup::parse_watch_event(R"({"type":"MODIFIED","object":{"kind":"Node",,}})").ok());
  CHECK_FALSE(kc::cleanup::parse_watch_event(R"({"type":"EXPLODED","object":)" +
                                             node_json("a", "True", "") + "}")
                  .ok());
  CHECK_FALSE(kc::cleanup::parse_watch_event(R"({"type":"ADDED"})").ok());
}

TEST_CASE("parse_rfc3339") {
  CHECK(kc::cleanup::parse_rfc3339("1970-01-01T00:00:00Z") == 0);
  CHECK(kc::cleanup::parse_rfc3339("2026-11-28T23:10:00Z") == 1795907400);
  CHECK(kc::cleanup::parse_rfc3339("2026-11-28T23:10:00.123456Z") == 1795907400);
  CHECK(kc::cleanup::parse_rfc3339("2026-11-29T01:10:00+02:00") == 1795907400);
  CHECK_FALSE(kc::cleanup::parse_rfc3339("").has_value());
  CHECK_FALSE(kc::cleanup::parse_rfc3339("2026-11-28 23:10:00").has_value());
  CHECK_FALSE(kc::cleanup::parse_rfc3339("2026-13-28T23:10:00Z").has_value());
  CHECK_FALSE(kc::cleanup::parse_rfc3339("2026-11-28T23:10:00Zjunk").has_value());
}

TEST_CASE("every truncation of a NodeList or a watch event is refused") {
  const std::string list = R"({"kind":"NodeList","metadata":{"resourceVersion":"1"},"items":[)" +
                           node_json("a", "Unknown", kBothTaints) + "]}";
  REQUIRE(kc::cleanup::parse_node_list(list).ok());
  for (size_t n = 0; n < list.size(); ++n) {
    auto page = kc::cleanup::parse_node_list(list.substr(0, n));
    if (page.ok()) FAIL("a truncation at byte " << n << " parsed");
  }
  const std::string event =
      R"({"type":"MODIFIED","object":)" + node_json("a", "Unknown", kBothTaints) + "}";
  REQUIRE(kc::cleanup::parse_watch_event(event).ok());
  for (size_t n = 0; n < event.size(); ++n) {
    auto parsed = kc::cleanup::parse_watch_event(event.substr(0, n));
    if (parsed.ok()) FAIL("a truncation at byte " << n << " parsed");
  }
}

TEST_CASE("fields of the wrong type are ignored, not taken; a Node needs a string name and uid") {
  const auto node = [](const std::string& metadata, const std::string& rest) {
    return kc::cleanup::parse_node_list(
        R"({"kind":"NodeList","metadata":{"resourceVersion":"1"},"items":[{"metadata":{)" +
        metadata + "}" + rest + "}]}");
  };
  CHECK_FALSE(node(R"("name":5,"uid":"u")", "").ok());
  CHECK_FALSE(node(R"("name":"n","uid":["u"])", "").ok());
  CHECK_FALSE(node(R"("name":{"x":"n"},"uid":"u")", "").ok());
  // Taints, labels and conditions that are not what they should be count for nothing.
  auto odd = node(R"("name":"n","uid":"u","labels":["node-role.kubernetes.io/control-plane"])",
                  R"(,"spec":{"taints":{"key":"ToBeDeletedByClusterAutoscaler"}},)"
                  R"("status":{"conditions":[{"type":"Ready","status":["Unknown"]},"Ready",7]})");
  REQUIRE(odd.ok());
  CHECK_FALSE(odd->items[0].control_plane);
  CHECK_FALSE(odd->items[0].taint_to_be_deleted);
  CHECK(odd->items[0].ready == ReadyStatus::missing);  // the first Ready condition had no status
  auto labels = node(R"("name":"n","uid":"u","labels":{"node-role.kubernetes.io/control-plane":1})",
                     R"(,"spec":{"taints":[{"key":7},"x"]},"status":"Ready")");
  REQUIRE(labels.ok());
  CHECK_FALSE(labels->items[0].control_plane);  // label values are strings
  CHECK_FALSE(labels->items[0].taint_unreachable);
  // kind, items and metadata of the wrong type
  CHECK_FALSE(
      kc::cleanup::parse_node_list(R"({"kind":["NodeList"],"metadata":{"resourceVersion":"1"}})")
          .ok());
  CHECK_FALSE(
      kc::cleanup::parse_node_list(R"({"kind":"NodeList","metadata":{"resourceVersion":1}})").ok());
  auto no_items = kc::cleanup::parse_node_list(
      R"({"kind":"NodeList","metadata":{"resourceVersion":"1"},"items":{"a":{}}})");
  REQUIRE(no_items.ok());
  CHECK(no_items->items.empty());
}

TEST_CASE("escaped names are decoded; deep nesting and bad UTF-8 are refused") {
  auto page = kc::cleanup::parse_node_list(
      R"({"kind":"NodeList","metadata":{"resourceVersion":"1"},"items":[{"metadata":{"n\u0061me":"caf\u00e9","uid":"u","labels":{"node-role.kubernetes.io\/control-plane":""}},)"
      R"("status":{"conditions":[{"type":"Re\u0061dy","status":"Unkn\u006fwn","lastTransitionTime":"2026-11-28T23:10:00Z"}]}}]})");
  REQUIRE_MESSAGE(page.ok(), page.error().message());
  CHECK(page->items[0].name == "caf\xc3\xa9");
  CHECK(page->items[0].control_plane);
  CHECK(page->items[0].ready == ReadyStatus::unknown);

  std::string deep =
      R"({"kind":"NodeList","metadata":{"resourceVersion":"1"},"items":[{"metadata":{"name":"n","uid":"u"},"x":)";
  deep += std::string(50000, '[') + std::string(50000, ']') + "}]}";
  auto nested = kc::cleanup::parse_node_list(deep);
  REQUIRE_FALSE(nested.ok());
  CHECK(nested.error().message().find("nested too deeply") != std::string::npos);

  auto utf8 = kc::cleanup::parse_watch_event(
      "{\"type\":\"ADDED\",\"object\":{\"metadata\":{\"name\":\"a\xff\",\"uid\":\"u\","
      "\"resourceVersion\":\"1\"}}}");
  REQUIRE_FALSE(utf8.ok());
  CHECK(utf8.error().message().find("UTF-8") != std::string::npos);
}

TEST_CASE("an ERROR event's Status code and message are read whatever the member order") {
  auto gone = kc::cleanup::parse_watch_event(
      R"({"object":{"code":410,"message":"too old resource version","kind":"Status"},"type":"ERROR"})");
  REQUIRE(gone.ok());
  CHECK(gone->type == WatchEvent::Type::error);
  CHECK(gone->error_code == 410);
  CHECK(gone->error_message == "too old resource version");
  auto odd = kc::cleanup::parse_watch_event(R"({"type":"ERROR","object":{"code":"410"}})");
  REQUIRE(odd.ok());
  CHECK(odd->error_code == 0);  // not an integer: no code
}
