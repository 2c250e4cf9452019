#include "agent/cleanup_node_stream.h"

#include <doctest/doctest.h>

#include <algorithm>
#include <random>
#include <string>
#include <vector>

using kc::cleanup::NodeInfo;
using kc::cleanup::NodeListStream;
using kc::cleanup::ReadyStatus;

namespace {

// A Node shaped like the API server's (conditions, taints, labels, addresses, images): about
// 3 KB, with escapes and a multi-byte character so that splits land inside them too.
std::string node_json(int i) {
  const std::string name = "ip-10-0-" + std::to_string(i / 250) + "-" + std::to_string(i % 250) +
                           ".eu-west-1.compute.internal";
  const bool doomed = i % 7 == 3;
  std::string images;
  for (int k = 0; k < 12; ++k) {
    if (k != 0) images += ",";
    images +=
        R"({"names":["registry.k8s.io/image-)" + std::to_string(k) +
        R"(@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef","registry.k8s.io/image-)" +
        std::to_string(k) + R"(:v1.)" + std::to_string(k) + R"("],"sizeBytes":)" +
        std::to_string(1000000 + k * 7919) + "}";
  }
  return R"({"kind":"Node","apiVersion":"v1","metadata":{"name":")" + name + R"(","uid":"uid-)" +
         std::to_string(i) + R"(","resourceVersion":")" + std::to_string(1000 + i) +
         R"(","creationTimestamp":"2026-11-28T22:00:00Z","labels":{"kubernetes.io/hostname":")" +
         name + R"(","topology.kubernetes.io/zone":"eu-west-1a")" +
         (i % 50 == 0 ? R"(,"node-role.kubernetes.io/control-plane":"")" : "") +
         R"(},"annotations":{"note":"caf\u00e9 \"quoted\" \\ caf)"
         "\xc3\xa9"
         R"(","node.alpha.kubernetes.io/ttl":"0"}},"spec":{"providerID":"aws:///eu-west-1a/i-0abc)" +
         std::to_string(i) + R"(","taints":[)" +
         (doomed
              ? R"({"key":"ToBeDeletedByClusterAutoscaler","value":"1732838400","effect":"NoSchedule"},)"
                R"({"key":"node.kubernetes.io/unreachable","effect":"NoExecute"})"
              : "") +
         R"(]},"status":{"capacity":{"cpu":"4","memory":"16Gi","pods":"110"},"conditions":[)"
         R"({"type":"MemoryPressure","status":"False","lastTransitionTime":"2026-11-28T22:00:00Z"},)"
         R"({"type":"Ready","status":")" +
         (doomed ? "Unknown" : "True") +
         R"(","lastHeartbeatTime":"2026-11-28T23:00:00Z","lastTransitionTime":"2026-11-28T23:10:00Z"}],)"
         R"("addresses":[{"type":"InternalIP","address":"10.0.0.1"}],"images":[)" +
         images +
         R"(],"nodeInfo":{"kubeletVersion":"v1.36.3"},"ready":true,"weight":-1.5e3,"x":null}})";
}

std::string page_json(int nodes, bool metadata_last = false, const std::string& space = "") {
  std::string items;
  for (int i = 0; i < nodes; ++i) items += (i ? "," + space : space) + node_json(i);
  const std::string head = R"("kind":"NodeList","apiVersion":"v1")";
  const std::string metadata =
      R"("metadata":{"resourceVersion":"98765","continue":"eyJ2Ijoi\u003d"})";
  const std::string list = R"("items":[)" + items + space + "]";
  if (metadata_last) return "{" + list + "," + space + head + "," + metadata + "}" + space;
  return space + "{" + head + "," + space + metadata + "," + list + "}";
}

struct Outcome {
  std::vector<NodeInfo> nodes;  // handed to on_node, also before an error
  bool ok = false;
  std::string error;
  std::string continue_token, resource_version;
  size_t max_buffered = 0;

  bool operator==(const Outcome& o) const {
    return nodes == o.nodes && ok == o.ok && error == o.error &&
           continue_token == o.continue_token && resource_version == o.resource_version;
  }
};

// Feeds `page` in chunks that end at the offsets in `cuts` (ascending).
Outcome parse_split(const std::string& page, const std::vector<size_t>& cuts) {
  Outcome out;
  NodeListStream stream([&](NodeInfo&& n) { out.nodes.push_back(std::move(n)); });
  stream.begin();
  size_t from = 0;
  for (size_t k = 0; k <= cuts.size(); ++k) {
    const size_t to = k < cuts.size() ? cuts[k] : page.size();
    auto fed = stream.feed(std::string_view(page).substr(from, to - from));
    out.max_buffered = std::max(out.max_buffered, stream.buffered());
    if (!fed) {
      out.error = fed.error().message();
      return out;
    }
    from = to;
  }
  auto next = stream.end();
  if (!next) {
    out.error = next.error().message();
    return out;
  }
  out.ok = true;
  out.continue_token = *next;
  out.resource_version = stream.resource_version();
  return out;
}

Outcome parse_whole(const std::string& page) {
  return parse_split(page, {});
}

std::vector<size_t> random_cuts(size_t size, std::mt19937& rng, size_t max_chunk) {
  std::vector<size_t> cuts;
  std::uniform_int_distribution<size_t> chunk(1, max_chunk);
  for (size_t at = chunk(rng); at < size; at += chunk(rng)) cuts.push_back(at);
  return cuts;
}

}  // namespace

TEST_CASE("a NodeList page parsed as it arrives equals the page parsed whole, at every cut") {
  for (const bool metadata_last : {false, true}) {
    const std::string page = page_json(3, metadata_last, metadata_last ? " \n\t" : "");
    const Outcome whole = parse_whole(page);
    REQUIRE_MESSAGE(whole.ok, whole.error);
    REQUIRE(whole.nodes.size() == 3);
    CHECK(whole.resource_version == "98765");
    CHECK(whole.continue_token == "eyJ2Ijoi=");
    CHECK(whole.nodes[0].control_plane);
    CHECK(whole.nodes[1].name == "ip-10-0-0-1.eu-west-1.compute.internal");
    CHECK(whole.nodes[2].ready == ReadyStatus::ready);
    for (size_t cut = 1; cut < page.size(); ++cut) {
      if (!(parse_split(page, {cut}) == whole)) FAIL("a cut at byte " << cut << " differs");
    }
    std::vector<size_t> every(page.size() - 1);
    for (size_t k = 0; k < every.size(); ++k) every[k] = k + 1;
    CHECK(parse_split(page, every) == whole);  // a byte at a time
  }
}

TEST_CASE("a 500-node page in random chunks: the same nodes, and only one node held at a time") {
  const std::string page = page_json(500);
  const Outcome whole = parse_whole(page);
  REQUIRE_MESSAGE(whole.ok, whole.error);
  REQUIRE(whole.nodes.size() == 500);
  CHECK(std::count_if(whole.nodes.begin(), whole.nodes.end(), [](const NodeInfo& n) {
          return n.taint_to_be_deleted && n.taint_unreachable && n.ready == ReadyStatus::unknown;
        }) == 71);
  CHECK(whole.max_buffered == 0);  // one chunk: every item is read in place
  size_t largest = 0;
  for (int i = 0; i < 500; ++i) largest = std::max(largest, node_json(i).size());
  std::mt19937 rng(13);
  for (const size_t max_chunk : {size_t(7), size_t(1000), size_t(16384), size_t(100000)}) {
    for (int run = 0; run < 5; ++run) {
      const Outcome split = parse_split(page, random_cuts(page.size(), rng, max_chunk));
      CHECK(split == whole);
      // What is held is the value still arriving: never more than one node's JSON.
      CHECK(split.max_buffered <= largest);
    }
  }
}

TEST_CASE("malformed pages fail with the same error however they are cut") {
  const std::string good = page_json(2);
  const std::string node = node_json(0);
  const std::vector<std::pair<std::string, std::string>> bad = {
      {good.substr(0, good.size() - 1), "unexpected end of input"},
      {good.substr(0, good.size() / 2), "unexpected end of input"},
      {good + "x", "trailing characters after the document"},
      {"[" + good + "]", "expected an object"},
      {R"({"kind":"NodeList","metadata":{"resourceVersion":"1"},"items":[)" + node + "," + "]}",
       "expected a value"},
      {R"({"kind":"NodeList","metadata":{"resourceVersion":"1"},"items":[)" + node + " " + node +
           "]}",
       "expected ',' or ']'"},
      {R"({"kind":"NodeList" "items":[]})", "expected ',' or '}'"},
      {R"({"kind":"NodeList","items":[],})", "expected a member name"},
      {R"({"kind":"NodeList","items"[]})", "expected ':'"},
      {R"({"kind":"NodeList","metadata":{"resourceVersion":"1"},"items":[{"metadata":{"name":"a","uid":"b"}},{"metadata":{"name":"a)"
       "\xff"
       R"(","uid":"b"}}]})",
       "invalid UTF-8"},
      {R"({"kind":"NodeList","metadata":{"resourceVersion":"1"},"items":[{"metadata":{"name":"a","uid":"b"}},{"metadata":{"name":"a","uid":"b"}x}]})",
       "expected ',' or '}'"},
      {R"({"kind":"NodeList","metadata":{"resourceVersion":"1"},"items":[{"a":tru}]})",
       "expected a value"},
      {R"({"kind":"NodeList","metadata":{"resourceVersion":"1"},"items":[{"a":"\q"}]})",
       "a bad escape"},
      {R"({"kind":"NodeList","metadata":{"resourceVersion":"1",},"items":[]})",
       "expected a member name"},
      {R"({"kind":"NodeList","metadata":{"resourceVersion":"1"},"items":[1e],"x":0})",
       "a bad number"},
      {R"({"items":[],"kind":"NodeList","metadata":{"resourceVersion":"1"},"items":[]})",
       "a second items member"},
      {R"({"kind":"NodeList","metadata":{"resourceVersion":"1"},"items":[{"metadata":{"name":"n"}}]})",
       "without metadata.name or metadata.uid"},
      {R"({"items":[],"metadata":{"resourceVersion":"1"},"kind":"Status"})",
       "kind is 'Status', expected NodeList"},
      {R"({"kind":"NodeList","items":[]})", "no metadata.resourceVersion"},
      {"", "unexpected end of input"},
      {R"({"kind":"NodeList","metadata":{"resourceVersion":"1"},"items":[{"x":)" +
           std::string(300, '[') + std::string(300, ']') + "}]}",
       "nested too deeply"},
  };
  std::mt19937 rng(7);
  for (const auto& [page, why] : bad) {
    CAPTURE(page.substr(0, 120));
    const Outcome whole = parse_whole(page);
    CHECK_FALSE(whole.ok);
    CHECK_MESSAGE(whole.error.find(why) != std::string::npos, whole.error);
    CHECK(whole.error.find("parse NodeList") == 0);
    for (size_t cut = 1; cut < page.size() && page.size() < 4000; ++cut) {
      if (!(parse_split(page, {cut}) == whole)) FAIL("a cut at byte " << cut << " differs");
    }
    for (int run = 0; run < 20; ++run)
      CHECK(parse_split(page, random_cuts(page.size(), rng, 50)) == whole);
  }
}

TEST_CASE("nesting is capped from the page's root, as in the reader") {
  // The root object and items are two levels: an item may nest 254 more, not 255.
  const auto page = [](int levels) {
    return R"({"kind":"NodeList","metadata":{"resourceVersion":"1"},"items":[)" +
           std::string(levels, '[') + std::string(levels, ']') + "]}";
  };
  CHECK(parse_whole(page(254)).ok);
  const Outcome deep = parse_whole(page(255));
  CHECK_FALSE(deep.ok);
  CHECK(deep.error.find("nested too deeply") != std::string::npos);
}

TEST_CASE("the items before an error are handed over, the rest not; a page ends once") {
  const std::string page = R"({"kind":"NodeList","metadata":{"resourceVersion":"1"},"items":[)" +
                           node_json(0) + "," + node_json(1) + ",{\"metadata\":{]}," +
                           node_json(2) + "]}";
  const Outcome out = parse_whole(page);
  CHECK_FALSE(out.ok);
  REQUIRE(out.nodes.size() == 2);  // what the caller must discard (kc-cleanup's relist does)
  CHECK(out.nodes[1].uid == "uid-1");

  std::vector<NodeInfo> nodes;
  NodeListStream stream([&](NodeInfo&& n) { nodes.push_back(std::move(n)); });
  stream.begin();
  REQUIRE(stream.feed(page_json(1)).ok());
  auto next = stream.end();
  REQUIRE(next.ok());
  CHECK(stream.resource_version() == "98765");
  CHECK_FALSE(stream.end().ok());       // not twice
  CHECK_FALSE(stream.feed("{}").ok());  // nor fed after its end
  stream.begin();                       // the next page starts afresh
  REQUIRE(stream.feed(R"({"kind":"NodeList","metadata":{"resourceVersion":"2"},"items":[]})").ok());
  REQUIRE(stream.end().ok());
  CHECK(stream.resource_version() == "2");
  CHECK(nodes.size() == 1);
}
