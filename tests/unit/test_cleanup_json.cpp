#include "agent/cleanup_json.h"

#include <doctest/doctest.h>

#include <string>
#include <vector>

using kc::cleanup::JsonReader;

namespace {

// Whether the reader accepts `text` as one JSON document, skipping it.
bool valid(const std::string& text) {
  JsonReader r(text);
  return r.skip() && r.finish();
}

// The members of a flat object as "key=value" (strings decoded, other values "-").
std::vector<std::string> members(const std::string& text) {
  JsonReader r(text);
  std::vector<std::string> out;
  REQUIRE(r.enter_object());
  std::string_view key;
  while (r.next_member(key)) {
    std::string k(key);
    auto v = r.string_value();
    out.push_back(k + "=" + (v ? std::string(*v) : "-"));
  }
  REQUIRE_MESSAGE(r.finish(), r.error());
  return out;
}

}  // namespace

TEST_CASE("JsonReader accepts RFC 8259 documents and skips what is not asked for") {
  for (const char* text :
       {"{}", "[]", "0", "-0", "1.5e-3", "-12E+2", "\"\"", "true", "false", "null", " \t\r\n{ } ",
        R"({"a":[1,{"b":[[],{}]},"x",null,true],"c":{"d":-1.0e10}})",
        R"(["\"\\\/\b\f\n\r\t\u00e9\ud83d\ude00"])",
        "\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\""}) {
    CAPTURE(text);
    CHECK(valid(text));
  }
}

TEST_CASE("JsonReader refuses hostile and malformed input, saying where") {
  for (const char* text : {"",
                           " ",
                           "{",
                           "[",
                           "{\"a\"",
                           "{\"a\":",
                           "{\"a\":1",
                           "{\"a\":1,}",
                           "[1,]",
                           "[,1]",
                           "{,}",
                           "{\"a\" 1}",
                           "{a:1}",
                           "{'a':1}",
                           "[1 2]",
                           "01",
                           "1.",
                           ".5",
                           "-",
                           "1e",
                           "+1",
                           "tru",
                           "nul",
                           "True",
                           "NaN",
                           "\"abc",
                           "\"a\\x\"",
                           "\"\\u12\"",
                           "\"\\uZZZZ\"",
                           "\"\\ud800\"",
                           "\"\\udc00\"",
                           "\"\\ud800\\u0041\"",
                           "\"a\tb\"",
                           "\"\xff\"",
                           "\"\xc3\"",
                           "\"\xc0\xaf\"",
                           "\"\xed\xa0\x80\"",
                           "{}{}",
                           "[] x",
                           "{\"a\":1}}",
                           "]",
                           "}"}) {
    CAPTURE(text);
    JsonReader r(text);
    const bool ok = r.skip() && r.finish();
    CHECK_FALSE(ok);
    CHECK(r.error().find("malformed JSON at byte") != std::string::npos);
  }
  // Deep nesting is refused before the stack is: 100,000 brackets.
  const std::string brackets(100000, '[');
  JsonReader deep(brackets);
  CHECK_FALSE(deep.skip());
  CHECK(deep.error().find("nested too deeply") != std::string::npos);
  CHECK(valid(std::string(200, '[') + std::string(200, ']')));
}

TEST_CASE("JsonReader decodes the strings asked for; other kinds are skipped as nullopt") {
  CHECK(members(R"({"na\u006de":"a\nb","n":5,"o":{"x":"y"},"l":[1],"t":true,"e":"\u00e9"})") ==
        std::vector<std::string>{"name=a\nb", "n=-", "o=-", "l=-", "t=-", "e=\xc3\xa9"});
  // Duplicate keys are reported in order; the caller decides (the node reader: the last wins).
  CHECK(members(R"({"k":"1","k":"2"})") == std::vector<std::string>{"k=1", "k=2"});

  JsonReader r(R"({"code":410,"big":99999999999999999999,"f":4.5,"s":"7"})");
  REQUIRE(r.enter_object());
  std::string_view key;
  std::vector<std::string> seen;
  while (r.next_member(key)) {
    std::string k(key);
    auto v = r.integer_value();
    seen.push_back(k + "=" + (v ? std::to_string(*v) : "-"));
  }
  CHECK(r.finish());
  CHECK(seen == std::vector<std::string>{"code=410", "big=-", "f=-", "s=-"});
}

TEST_CASE("JsonReader: once failed, every call fails") {
  JsonReader r(R"({"a":x,"b":"c"})");
  REQUIRE(r.enter_object());
  std::string_view key;
  REQUIRE(r.next_member(key));
  CHECK_FALSE(r.string_value().has_value());
  CHECK(r.failed());
  CHECK_FALSE(r.next_member(key));
  CHECK_FALSE(r.finish());
  CHECK(r.error() == "malformed JSON at byte 5: expected a value");
}
