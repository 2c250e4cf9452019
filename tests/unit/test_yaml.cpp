#include "common/core/yaml.h"

#include <doctest/doctest.h>

#include <string>

using nlohmann::json;

TEST_CASE("YAML: quotes, comments, indented sequences, scalars") {
  auto parsed = kc::parse_yaml(
      "# a comment\n---\na: 'it''s'  # trailing comment\nb: \"x\\ty # not a comment\"\n"
      "c:\n  - one\n  - two\nd: true\ne: null\nf: url#fragment\n\"g h\": 1\n",
      "t");
  REQUIRE(parsed.ok());
  CHECK((*parsed)["a"] == "it's");
  CHECK((*parsed)["b"] == "x\ty # not a comment");
  CHECK((*parsed)["c"] == json::array({"one", "two"}));
  CHECK((*parsed)["d"] == true);
  CHECK((*parsed)["e"].is_null());
  CHECK((*parsed)["f"] == "url#fragment");
  CHECK((*parsed)["g h"] == "1");
}

TEST_CASE("YAML: flow collections, block scalars, anchors and aliases") {
  auto parsed = kc::parse_yaml(
      "a: {b: c, d: [x, 'y']}\nlit: |\n  line one\n  line two\nfolded: >\n  one\n  two\n"
      "base: &base\n  server: https://x\ncopy: *base\nword: &w hello\nagain: *w\n",
      "t");
  REQUIRE(parsed.ok());
  CHECK((*parsed)["a"] == json{{"b", "c"}, {"d", json::array({"x", "y"})}});
  CHECK((*parsed)["lit"] == "line one\nline two\n");
  CHECK((*parsed)["folded"] == "one two\n");
  CHECK((*parsed)["copy"] == json{{"server", "https://x"}});
  CHECK((*parsed)["again"] == "hello");

  auto scalar_document = kc::parse_yaml("just a scalar line\n", "t");
  REQUIRE(scalar_document.ok());
  CHECK(*scalar_document == "just a scalar line");

  auto empty = kc::parse_yaml("# only a comment\n", "t");
  REQUIRE(empty.ok());
  CHECK(*empty == json::object());

  auto documents = kc::parse_yaml_documents("a: 1\n---\nb: 2\n", "t");
  REQUIRE(documents.ok());
  CHECK(*documents == std::vector<json>{json{{"a", "1"}}, json{{"b", "2"}}});
}

TEST_CASE("YAML: malformed input is refused, naming the file and line") {
  struct Case {
    std::string text;
    std::string where;
  };
  for (const Case& bad : {
           Case{"a: b\n    c: d\n", "bad.yaml:2"},    // a key inside a scalar
           Case{"a: 1\nb: 2\na: 3\n", "bad.yaml:3"},  // duplicate key
           Case{"a: x\nb: 'open\n", "bad.yaml:2"},    // unterminated quote
           Case{std::string("\xEF\xBB\xBF") + "a: x\nb: 'open\n",
                "bad.yaml:2"},                        // the same after a byte order mark
           Case{"a: \"open\\\"\n", "bad.yaml:1"},     // only an escaped quote
           Case{"a:\n\tb: c\n", "bad.yaml:2"},        // tab indentation
           Case{"a: [1, 2\nb: c\n", "bad.yaml:2"},    // unclosed flow sequence
           Case{"a: \"\\q\"\n", "bad.yaml:1"},        // unknown escape
           Case{"a: x\n---\nb: y\n", "bad.yaml:3"},   // a second document
           Case{"? [k]\n: v\n", "bad.yaml:1"},        // a key that is not a scalar
           Case{"a: &loop [*loop]\n", "bad.yaml:1"},  // an alias inside itself
       }) {
    CAPTURE(bad.text);
    auto parsed = kc::parse_yaml(bad.text, "bad.yaml");
    REQUIRE_FALSE(parsed.ok());
    CHECK(parsed.error().where == bad.where);
    CHECK_FALSE(parsed.error().why.empty());
  }

  // "Billion laughs": aliases that expand exponentially are refused instead of exhausting memory.
  std::string laughs = "l0: &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n";
  for (int i = 1; i < 10; ++i) {
    const std::string prev = "*l" + std::to_string(i - 1);
    laughs += "l" + std::to_string(i) + ": &l" + std::to_string(i) + " [";
    for (int j = 0; j < 10; ++j) laughs += (j ? ", " : "") + prev;
    laughs += "]\n";
  }
  auto expanded = kc::parse_yaml(laughs, "laughs.yaml");
  REQUIRE_FALSE(expanded.ok());
  CHECK(expanded.error().why.find("too many") != std::string::npos);
}

TEST_CASE("emit_yaml_documents: ambiguous strings are quoted and read back as strings") {
  nlohmann::ordered_json doc = nlohmann::ordered_json::object();
  doc["b"] = "true";
  doc["a"] = "6443";
  doc["version"] = "1.36";
  doc["empty"] = "";
  doc["tilde"] = "~";
  doc["plain"] = "10.96.0.0/12";
  doc["yes"] = "yes";
  doc["flag"] = true;
  doc["port"] = 6443;
  doc["list"] = {"x: y", "- z", "#not a comment"};
  doc["nothing"] = nullptr;
  const std::string text = kc::emit_yaml_documents(std::vector<nlohmann::ordered_json>{doc, doc});
  // Insertion order, not sorted.
  CHECK(text.find("b: \"true\"\na: \"6443\"\n") != std::string::npos);
  CHECK(text.find("plain: 10.96.0.0/12\n") != std::string::npos);
  auto back = kc::parse_yaml_documents(text, "emitted");
  REQUIRE_MESSAGE(back.ok(), back.error().message());
  REQUIRE(back->size() == 2);
  const json& d = (*back)[1];
  CHECK(d["b"] == "true");
  CHECK(d["a"] == "6443");
  CHECK(d["version"] == "1.36");
  CHECK(d["empty"] == "");
  CHECK(d["tilde"] == "~");
  CHECK(d["yes"] == "yes");
  CHECK(d["flag"] == true);
  CHECK(d["port"] == "6443");  // the reader keeps numbers as strings
  CHECK(d["list"] == json::array({"x: y", "- z", "#not a comment"}));
  CHECK(d["nothing"].is_null());
}

TEST_CASE("YAML: a stream yaml-cpp 0.7 never finishes (\",\") is refused instead of hanging") {
  // jbeder/yaml-cpp#1040: LoadAll looped forever, allocating, on these.
  for (const std::string text : {",", ",,,", "\n,\n", ", a"}) {
    CAPTURE(text);
    auto one = kc::parse_yaml(text, "kubeconfig");
    REQUIRE_FALSE(one.ok());
    CHECK(one.error().where == "kubeconfig");
    CHECK_FALSE(kc::parse_yaml_documents(text, "manifest").ok());
  }
  // A stream of nothing but null documents is refused; empty documents among real ones are not.
  CHECK(kc::parse_yaml_documents("---\n---\n", "m").error().why.find("only null") !=
        std::string::npos);
  auto mixed = kc::parse_yaml_documents("---\n---\na: b\n", "m");
  REQUIRE_MESSAGE(mixed.ok(), mixed.error().message());
  CHECK(mixed->back() == nlohmann::json{{"a", "b"}});
  CHECK(kc::parse_yaml("# only a comment\n", "k").ok());
}
