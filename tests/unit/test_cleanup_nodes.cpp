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
