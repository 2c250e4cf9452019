#include "agent/cleanup_node_reader.h"

#include <doctest/doctest.h>

#include <string>

using kc::cleanup::JsonReader;
using kc::cleanup::NodeInfo;
using kc::cleanup::ReadyStatus;

TEST_CASE("read_node reads the rule's fields of one Node and resets the record first") {
  const std::string node =
      R"({"metadata":{"name":"n","uid":"u","resourceVersion":"7","labels":{"node-role.kubernetes.io/master":""}},)"
      R"("spec":{"taints":[{"key":"ToBeDeletedByClusterAutoscaler"}]},)"
      R"("status":{"conditions":[{"type":"Ready","status":"Unknown","lastTransitionTime":"1970-01-01T00:01:00Z"}]}})";
  JsonReader r(node);
  NodeInfo info;
  info.taint_unreachable = true;  // left from an earlier node: must not survive
  REQUIRE(kc::cleanup::read_node(r, info));
  REQUIRE(r.finish());
  CHECK(info.name == "n");
  CHECK(info.uid == "u");
  CHECK(info.resource_version == "7");
  CHECK(info.control_plane);  // the legacy master role counts too
  CHECK(info.taint_to_be_deleted);
  CHECK_FALSE(info.taint_unreachable);
  CHECK(info.ready == ReadyStatus::unknown);
  CHECK(info.ready_since == 60);
}

TEST_CASE("read_node takes a Status's code and message only when asked, and fails on bad JSON") {
  const std::string status = R"({"kind":"Status","code":410,"message":"too old"})";
  JsonReader r(status);
  NodeInfo info;
  std::optional<int64_t> code;
  std::string message;
  REQUIRE(kc::cleanup::read_node(r, info, &code, &message));
  CHECK(code == 410);
  CHECK(message == "too old");

  JsonReader bad(R"({"metadata":{"name":"n",}})", 100, 2);
  CHECK_FALSE(kc::cleanup::read_node(bad, info));
  // The error names the byte in the whole document the value was cut from.
  CHECK(bad.error() == "malformed JSON at byte 124: expected a member name");
}
