#include "agent/cleanup_node_stream.h"

#include <cstdint>
#include <cstring>

#include "agent/cleanup_json.h"
#include "agent/cleanup_node_reader.h"
#include "agent/cleanup_word_scan.h"

namespace kc::cleanup {
namespace {

constexpr const char* kWhat = "parse NodeList";

bool is_space(char c) {
  return c == ' ' || c == '\n' || c == '\r' || c == '\t';
}

// Bytes a number or a literal may hold; the first other byte ends it (the reader checks it).
bool is_scalar_byte(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '+' ||
         c == '-' || c == '.';
}

// The index of the first '"' or '\\' in the 8 bytes of `word` (word_scan::load), or 8.
inline unsigned first_quote_or_backslash(uint64_t word) {
  using namespace word_scan;
  return first_flagged(equal_bytes(word, '"') | equal_bytes(word, '\\'));
}

}  // namespace

void NodeListStream::begin() {
  state_ = State::start;
  offset_ = 0;
  gathering_ = false;
  pending_.clear();
  key_.clear();
  items_seen_ = false;
  kind_.clear();
  page_resource_version_.clear();
  continue_token_.clear();
}

Status NodeListStream::fail(size_t at, const char* why) {
  state_ = State::failed;
  gathering_ = false;
  pending_.clear();
  return Error{kWhat, "", "malformed JSON at byte " + std::to_string(at) + ": " + why, ""};
}

Status NodeListStream::start_value(char c, size_t at, Target target) {
  if (c == '"' || c == '{' || c == '[') {
    shape_ = Shape::nested;
  } else if (c == '-' || (c >= '0' && c <= '9') || c == 't' || c == 'f' || c == 'n') {
    shape_ = Shape::scalar;
  } else {
    return fail(at, target == Target::key ? "expected a member name" : "expected a value");
  }
  gathering_ = true;
  target_ = target;
  value_at_ = at;
  depth_ = 0;
  in_string_ = escape_ = false;
  pending_.clear();
  return {};
}

size_t NodeListStream::scan(std::string_view data, bool& ended) {
  ended = false;
  const char* s = data.data();
  const size_t n = data.size();
  size_t i = 0;
  if (shape_ == Shape::scalar) {
    while (i < n && is_scalar_byte(s[i])) ++i;
    ended = i < n;  // the byte after it is not part of it
    return i;
  }
  // The nesting cap of the reader, counted from the page's root: a value of the outer object
  // is at depth 1, an item at 2. Failing here keeps a deep value from being gathered at all.
  const size_t base = target_ == Target::item ? 2 : 1;
  while (i < n) {
    if (in_string_) {
      if (escape_) {
        escape_ = false;
        ++i;
        continue;
      }
      while (i + 8 <= n) {
        const unsigned k = first_quote_or_backslash(word_scan::load(s + i));
        i += k;
        if (k < 8) break;
      }
      while (i < n && s[i] != '"' && s[i] != '\\') ++i;
      if (i >= n) break;
      if (s[i] == '\\') {
        escape_ = true;
        ++i;
        continue;
      }
      in_string_ = false;
      ++i;
      if (depth_ == 0) {
        ended = true;
        return i;
      }
      continue;
    }
    const char c = s[i++];
    if (c == '"') {
      in_string_ = true;
    } else if (c == '{' || c == '[') {
      if (base + depth_ >= JsonReader::kMaxDepth) {
        depth_ = SIZE_MAX;  // reported by feed()
        ended = true;
        return i;
      }
      ++depth_;
    } else if (c == '}' || c == ']') {
      // A close before any open cannot happen: a nested value starts with '"', '{' or '['.
      if (--depth_ == 0) {
        ended = true;
        return i;
      }
    }
  }
  return i;
}

Status NodeListStream::feed(std::string_view chunk) {
  if (state_ == State::failed) return Error{kWhat, "", "the page failed already", ""};
  const char* s = chunk.data();
  const size_t n = chunk.size();
  size_t i = 0;
  while (i < n) {
    if (gathering_) {
      bool ended = false;
      const size_t from = i;
      i += scan(chunk.substr(i), ended);
      if (!ended) {
        pending_.append(s + from, i - from);
        break;
      }
      if (depth_ == SIZE_MAX) return fail(offset_ + i - 1, "nested too deeply");
      gathering_ = false;
      std::string_view value(s + from, i - from);
      if (!pending_.empty()) {
        pending_.append(value);
        value = pending_;
      }
      Status handled = handle_value(value);
      pending_.clear();
      if (!handled) {
        state_ = State::failed;
        return handled;
      }
      continue;
    }
    const char c = s[i];
    const size_t at = offset_ + i;
    if (is_space(c)) {
      ++i;
      continue;
    }
    switch (state_) {
      case State::start:
        if (c != '{') {
          return fail(at, "expected an object");
        }
        state_ = State::key_or_end;
        ++i;
        break;
      case State::key_or_end:
        if (c == '}') {
          state_ = State::done;
          ++i;
          break;
        }
        [[fallthrough]];
      case State::key:
        if (c != '"') return fail(at, "expected a member name");
        KC_TRY(start_value(c, at, Target::key));
        break;
      case State::colon:
        if (c != ':') return fail(at, "expected ':'");
        state_ = State::value;
        ++i;
        break;
      case State::value:
        if (key_ == "items" && items_seen_) {
          return fail(at, "a second items member (the first one's nodes are read already)");
        }
        if (key_ == "items" && c == '[') {
          items_seen_ = true;
          state_ = State::item_or_end;
          ++i;
          break;
        }
        KC_TRY(start_value(c, at, Target::member));
        break;
      case State::after_value:
        if (c == ',') {
          state_ = State::key;
        } else if (c == '}') {
          state_ = State::done;
        } else {
          return fail(at, "expected ',' or '}'");
        }
        ++i;
        break;
      case State::item_or_end:
        if (c == ']') {
          state_ = State::after_value;
          ++i;
          break;
        }
        [[fallthrough]];
      case State::item:
        KC_TRY(start_value(c, at, Target::item));
        break;
      case State::after_item:
        if (c == ',') {
          state_ = State::item;
        } else if (c == ']') {
          state_ = State::after_value;
        } else {
          return fail(at, "expected ',' or ']'");
        }
        ++i;
        break;
      case State::done:
        return fail(at, "trailing characters after the document");
      case State::failed:
        return Error{kWhat, "", "the page failed already", ""};
    }
  }
  offset_ += n;
  return {};
}

Status NodeListStream::handle_value(std::string_view value) {
  switch (target_) {
    case Target::key: {
      JsonReader r(value, value_at_, 1);
      auto key = r.string_value();
      if (!r.finish() || !key) return Error{kWhat, "", r.error(), ""};
      key_.assign(*key);
      state_ = State::colon;
      return {};
    }
    case Target::member:
      state_ = State::after_value;
      return handle_member(value);
    case Target::item:
      state_ = State::after_item;
      return handle_item(value);
  }
  return {};
}

Status NodeListStream::handle_member(std::string_view value) {
  JsonReader r(value, value_at_, 1);
  if (key_ == "kind") {
    if (auto v = r.string_value()) kind_ = *v;
  } else if (key_ == "metadata" && r.peek() == JsonReader::Kind::object) {
    r.enter_object();
    std::string_view k;
    while (r.next_member(k)) {
      std::string* field = k == "resourceVersion" ? &page_resource_version_
                           : k == "continue"      ? &continue_token_
                                                  : nullptr;
      if (field == nullptr) {
        r.skip();
      } else if (auto v = r.string_value()) {
        *field = *v;
      }
    }
  } else {
    r.skip();
  }
  if (!r.finish()) return Error{kWhat, "", r.error(), ""};
  return {};
}

Status NodeListStream::handle_item(std::string_view value) {
  JsonReader r(value, value_at_, 2);
  if (r.peek() != JsonReader::Kind::object) {
    r.skip();
    if (!r.finish()) return Error{kWhat, "", r.error(), ""};
    return {};
  }
  NodeInfo node;
  read_node(r, node);
  if (!r.finish()) return Error{kWhat, "", r.error(), ""};
  if (node.name.empty() || node.uid.empty()) {
    return Error{kWhat, "", "a Node without metadata.name or metadata.uid", ""};
  }
  on_node_(std::move(node));
  return {};
}

Result<std::string> NodeListStream::end() {
  if (state_ == State::failed) return Error{kWhat, "", "the page failed already", ""};
  if (state_ != State::done) {
    return fail(offset_, "unexpected end of input").error();
  }
  if (kind_ != "NodeList") {
    return Error{kWhat, "", "kind is '" + kind_ + "', expected NodeList", ""};
  }
  if (page_resource_version_.empty()) {
    return Error{kWhat, "", "no metadata.resourceVersion", ""};
  }
  resource_version_ = page_resource_version_;
  state_ = State::failed;  // a page ends once; begin() starts the next
  return std::move(continue_token_);
}

}  // namespace kc::cleanup
