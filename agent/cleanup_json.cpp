#include "agent/cleanup_json.h"

#include <charconv>
#include <cstring>

#include "agent/cleanup_word_scan.h"

namespace kc::cleanup {
namespace {

// Bytes a string's fast path stops at: the closing quote, an escape, a control character
// (invalid unescaped) and the start of a multi-byte UTF-8 sequence (checked).
struct StopTable {
  bool stop[256] = {};
  constexpr StopTable() {
    for (int c = 0; c < 0x20; ++c) stop[c] = true;
    for (int c = 0x80; c < 0x100; ++c) stop[c] = true;
    stop[static_cast<unsigned char>('"')] = true;
    stop[static_cast<unsigned char>('\\')] = true;
  }
};
constexpr StopTable kStop;

// The index of the first stop byte in the 8 bytes of `word` (word_scan::load), or 8. Per byte
// b: b == '"', b == '\\', b < 0x20 (the same trick as equal_bytes) or b >= 0x80.
inline unsigned first_stop(uint64_t word) {
  using namespace word_scan;
  return first_flagged(equal_bytes(word, '"') | equal_bytes(word, '\\') |
                       ((word - kOnes * 0x20) & ~word) | word);
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

void append_utf8(std::string& out, uint32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

// The length of a valid UTF-8 sequence starting at s[pos] (a byte >= 0x80), or 0.
size_t utf8_sequence(std::string_view s, size_t pos) {
  const auto byte = [&](size_t i) { return static_cast<unsigned char>(s[i]); };
  const unsigned char c = byte(pos);
  size_t n = 0;
  uint32_t min = 0, cp = 0;
  if (c >= 0xC2 && c <= 0xDF) {
    n = 2, min = 0x80, cp = c & 0x1F;
  } else if (c >= 0xE0 && c <= 0xEF) {
    n = 3, min = 0x800, cp = c & 0x0F;
  } else if (c >= 0xF0 && c <= 0xF4) {
    n = 4, min = 0x10000, cp = c & 0x07;
  } else {
    return 0;
  }
  if (pos + n > s.size()) return 0;
  for (size_t i = 1; i < n; ++i) {
    if ((byte(pos + i) & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (byte(pos + i) & 0x3F);
  }
  if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
  return n;
}

}  // namespace

bool JsonReader::fail(const char* why) {
  if (error_.empty()) {
    error_ = "malformed JSON at byte " + std::to_string(offset_ + pos_) + ": " + why;
  }
  return false;
}

void JsonReader::skip_whitespace_slow() {
  while (pos_ < s_.size()) {
    const char c = s_[pos_];
    if (c != ' ' && c != '\n' && c != '\r' && c != '\t') break;
    ++pos_;
  }
}

bool JsonReader::expect(char c, const char* why) {
  skip_whitespace();
  if (pos_ >= s_.size() || s_[pos_] != c) return fail(why);
  ++pos_;
  return true;
}

JsonReader::Kind JsonReader::peek() {
  if (failed()) return Kind::invalid;
  skip_whitespace();
  if (pos_ >= s_.size()) return Kind::end;
  switch (s_[pos_]) {
    case '{':
      return Kind::object;
    case '[':
      return Kind::array;
    case '"':
      return Kind::string;
    case 't':
    case 'f':
    case 'n':
      return Kind::literal;
    default:
      if (s_[pos_] == '-' || (s_[pos_] >= '0' && s_[pos_] <= '9')) return Kind::number;
      return Kind::invalid;
  }
}

bool JsonReader::enter_object() {
  if (failed()) return false;
  if (depth_ >= kMaxDepth) return fail("nested too deeply");
  if (!expect('{', "expected an object")) return false;
  ++depth_;
  first_ = true;
  return true;
}

bool JsonReader::next_member(std::string_view& key) {
  if (failed()) return false;
  skip_whitespace();
  if (pos_ < s_.size() && s_[pos_] == '}') {
    ++pos_;
    leave();
    return false;
  }
  if (!first_ && !expect(',', "expected ',' or '}'")) return false;
  skip_whitespace();
  if (pos_ >= s_.size() || s_[pos_] != '"') return fail("expected a member name");
  if (!scan_string(&key, key_scratch_)) return false;
  if (!expect(':', "expected ':'")) return false;
  first_ = false;
  return true;
}

bool JsonReader::enter_array() {
  if (failed()) return false;
  if (depth_ >= kMaxDepth) return fail("nested too deeply");
  if (!expect('[', "expected an array")) return false;
  ++depth_;
  first_ = true;
  return true;
}

bool JsonReader::next_element() {
  if (failed()) return false;
  skip_whitespace();
  if (pos_ < s_.size() && s_[pos_] == ']') {
    ++pos_;
    leave();
    return false;
  }
  if (!first_ && !expect(',', "expected ',' or ']'")) return false;
  first_ = false;
  return true;
}

std::optional<std::string_view> JsonReader::string_value() {
  if (peek() != Kind::string) {
    skip();
    return std::nullopt;
  }
  std::string_view out;
  if (!scan_string(&out, value_scratch_)) return std::nullopt;
  return out;
}

std::optional<int64_t> JsonReader::integer_value() {
  if (peek() != Kind::number) {
    skip();
    return std::nullopt;
  }
  std::string_view token;
  if (!scan_number(&token)) return std::nullopt;
  int64_t value = 0;
  const auto [end, ec] = std::from_chars(token.data(), token.data() + token.size(), value);
  if (ec != std::errc() || end != token.data() + token.size()) return std::nullopt;
  return value;
}

bool JsonReader::skip() {
  switch (peek()) {
    case Kind::object:
    case Kind::array:
      return skip_container();
    case Kind::string:
      return scan_string(nullptr, value_scratch_);
    case Kind::number:
      return scan_number(nullptr);
    case Kind::literal:
      return scan_literal();
    case Kind::end:
      return fail("unexpected end of input");
    case Kind::invalid:
      return failed() ? false : fail("expected a value");
  }
  return false;
}

bool JsonReader::skip_container() {
  if (peek() == Kind::object) {
    if (!enter_object()) return false;
    std::string_view key;
    while (next_member(key)) {
      if (!skip()) return false;
    }
  } else {
    if (!enter_array()) return false;
    while (next_element()) {
      if (!skip()) return false;
    }
  }
  return !failed();
}

bool JsonReader::finish() {
  if (failed()) return false;
  skip_whitespace();
  if (pos_ != s_.size()) return fail("trailing characters after the document");
  return true;
}

std::optional<uint32_t> JsonReader::hex4_at(size_t at) const {
  if (at + 4 > s_.size()) return std::nullopt;
  uint32_t v = 0;
  for (size_t k = 0; k < 4; ++k) {
    const int h = hex_value(s_[at + k]);
    if (h < 0) return std::nullopt;
    v = v * 16 + static_cast<uint32_t>(h);
  }
  return v;
}

bool JsonReader::scan_string(std::string_view* out, std::string& scratch) {
  ++pos_;  // the opening quote
  const size_t start = pos_;
  bool escaped = false;
  // Fast path: a run of plain bytes; escapes and multi-byte sequences are checked one by one.
  while (true) {
    while (pos_ + 8 <= s_.size()) {
      const unsigned i = first_stop(word_scan::load(s_.data() + pos_));
      pos_ += i;
      if (i < 8) break;
    }
    while (pos_ < s_.size() && !kStop.stop[static_cast<unsigned char>(s_[pos_])]) ++pos_;
    if (pos_ >= s_.size()) return fail("unterminated string");
    const unsigned char c = static_cast<unsigned char>(s_[pos_]);
    if (c == '"') break;
    if (c < 0x20) return fail("a control character in a string");
    if (c >= 0x80) {
      const size_t n = utf8_sequence(s_, pos_);
      if (n == 0) return fail("invalid UTF-8 in a string");
      pos_ += n;
      continue;
    }
    // A backslash.
    escaped = true;
    if (pos_ + 1 >= s_.size()) return fail("unterminated string");
    const char e = s_[pos_ + 1];
    if (e == 'u') {
      if (pos_ + 6 > s_.size()) return fail("unterminated string");
      auto cp = hex4_at(pos_ + 2);
      if (!cp) return fail("a bad \\u escape");
      pos_ += 6;
      if (*cp >= 0xDC00 && *cp <= 0xDFFF) return fail("a lone UTF-16 surrogate");
      if (*cp >= 0xD800 && *cp <= 0xDBFF) {
        auto low = pos_ + 6 <= s_.size() && s_[pos_] == '\\' && s_[pos_ + 1] == 'u'
                       ? hex4_at(pos_ + 2)
                       : std::nullopt;
        if (!low || *low < 0xDC00 || *low > 0xDFFF) return fail("a lone UTF-16 surrogate");
        pos_ += 6;
      }
    } else if (std::strchr("\"\\/bfnrt", e) != nullptr && e != '\0') {
      pos_ += 2;
    } else {
      return fail("a bad escape in a string");
    }
  }
  const size_t end = pos_;
  ++pos_;  // the closing quote
  if (out == nullptr) return true;
  if (!escaped) {
    *out = s_.substr(start, end - start);
    return true;
  }
  // Decode: the escapes were checked above.
  scratch.clear();
  for (size_t i = start; i < end;) {
    if (s_[i] != '\\') {
      scratch += s_[i++];
      continue;
    }
    const char e = s_[i + 1];
    if (e != 'u') {
      static constexpr std::string_view from = "\"\\/bfnrt", to = "\"\\/\b\f\n\r\t";
      scratch += to[from.find(e)];
      i += 2;
      continue;
    }
    uint32_t cp = *hex4_at(i + 2);
    i += 6;
    if (cp >= 0xD800 && cp <= 0xDBFF) {  // paired: checked above
      cp = 0x10000 + ((cp - 0xD800) << 10) + (*hex4_at(i + 2) - 0xDC00);
      i += 6;
    }
    append_utf8(scratch, cp);
  }
  *out = scratch;
  return true;
}

bool JsonReader::scan_number(std::string_view* out) {
  const size_t start = pos_;
  auto digits = [&] {
    const size_t from = pos_;
    while (pos_ < s_.size() && s_[pos_] >= '0' && s_[pos_] <= '9') ++pos_;
    return pos_ - from;
  };
  if (pos_ < s_.size() && s_[pos_] == '-') ++pos_;
  if (pos_ < s_.size() && s_[pos_] == '0') {
    ++pos_;
  } else if (digits() == 0) {
    return fail("a bad number");
  }
  if (pos_ < s_.size() && s_[pos_] == '.') {
    ++pos_;
    if (digits() == 0) return fail("a bad number");
  }
  if (pos_ < s_.size() && (s_[pos_] == 'e' || s_[pos_] == 'E')) {
    ++pos_;
    if (pos_ < s_.size() && (s_[pos_] == '+' || s_[pos_] == '-')) ++pos_;
    if (digits() == 0) return fail("a bad number");
  }
  if (out != nullptr) *out = s_.substr(start, pos_ - start);
  return true;
}

bool JsonReader::scan_literal() {
  for (std::string_view word : {"true", "false", "null"}) {
    if (s_.substr(pos_, word.size()) == word) {
      pos_ += word.size();
      return true;
    }
  }
  return fail("expected a value");
}

}  // namespace kc::cleanup
