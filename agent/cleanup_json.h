// A small pull reader for JSON, for the two documents kc-cleanup reads at scale (NodeList pages
// and watch events): it validates the whole document as RFC 8259 JSON but decodes only the
// strings the caller asks for, and skips everything else without building values (a real Node
// is ~8.5 KB, mostly status.images, none of which kc-cleanup keeps).
//
// Use: enter_object(), then `while (next_member(key)) { read or skip the value }`; arrays the
// same with enter_array() / next_element(). Every member and element must be consumed (a
// string_value(), integer_value(), skip() or a nested enter_*). The first error sticks: every
// later call returns false (or nullopt) and error() says what and at which byte.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace kc::cleanup {

class JsonReader {
 public:
  enum class Kind { object, array, string, number, literal, end, invalid };

  explicit JsonReader(std::string_view text) : s_(text) {}
  // For a value cut out of a larger document (a streamed NodeList's item): `offset` is where it
  // starts in the document (errors name the document's byte) and `depth` how deeply it is
  // nested there (the nesting cap counts from the document's root).
  JsonReader(std::string_view text, size_t offset, size_t depth)
      : s_(text), offset_(offset), depth_(depth) {}

  // The kind of the next value (after whitespace), without consuming it.
  Kind peek();

  bool enter_object();
  // The next member's key (decoded; valid until the next key is read), or false at the end of
  // the object (consumed) or on an error.
  bool next_member(std::string_view& key);
  bool enter_array();
  // True when another element follows; false at the end of the array (consumed) or on an error.
  bool next_element();

  // The next value if it is a string (decoded; valid until the next string value is read);
  // otherwise the value is skipped and the result is nullopt.
  std::optional<std::string_view> string_value();
  // The next value if it is an integer that fits int64; otherwise skipped, nullopt.
  std::optional<int64_t> integer_value();
  // Skips one value of any kind, checking it.
  bool skip();

  // Whether only whitespace is left; an error otherwise.
  bool finish();

  bool failed() const { return !error_.empty(); }
  const std::string& error() const { return error_; }

  static constexpr size_t kMaxDepth = 256;

 private:
  bool fail(const char* why);
  // Inline for the common case: kube-apiserver writes compact JSON.
  void skip_whitespace() {
    if (pos_ < s_.size() && static_cast<unsigned char>(s_[pos_]) > ' ') return;
    skip_whitespace_slow();
  }
  void skip_whitespace_slow();
  bool expect(char c, const char* why);
  // Scans a string starting at the opening quote; `decoded` receives it when `out` is set.
  bool scan_string(std::string_view* out, std::string& scratch);
  bool scan_number(std::string_view* out);
  std::optional<uint32_t> hex4_at(size_t at) const;  // four hex digits at s_[at]
  bool scan_literal();
  bool skip_container();
  void leave() { --depth_, first_ = false; }

  std::string_view s_;
  size_t pos_ = 0;
  size_t offset_ = 0;
  size_t depth_ = 0;
  bool first_ = false;  // no member or element of the innermost container read yet
  std::string key_scratch_, value_scratch_;
  std::string error_;
};

}  // namespace kc::cleanup
