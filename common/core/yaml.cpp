#include "common/core/yaml.h"

#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/yaml.h>

#include <regex>
#include <sstream>

namespace kc {
namespace {

using nlohmann::json;

// Where a YAML node (or error) is: "file:line", lines counted from 1 as editors do.
std::string position(const std::string& where, const YAML::Mark& mark) {
  if (mark.is_null()) return where;
  return where + ":" + std::to_string(mark.line + 1);
}

Error yaml_error(const std::string& where, const YAML::Mark& mark, const std::string& why) {
  return Error{"parse YAML", position(where, mark), why, "fix the YAML there"};
}

// Converts yaml-cpp's node graph to JSON, the form the callers read.
class JsonFromYaml {
 public:
  JsonFromYaml(std::string_view text, const std::string& where)
      // Without aliases a document holds at most about as many nodes as its text has characters;
      // the allowance bounds what aliases can expand to ("billion laughs").
      : text_(text), where_(where), nodes_left_(text.size() + 100'000) {
    // yaml-cpp counts positions after a UTF-8 byte order mark.
    if (text_.substr(0, 3) == "\xEF\xBB\xBF") text_.remove_prefix(3);
  }

  Result<json> convert(const YAML::Node& node, size_t depth = 0) {
    // Self-referring aliases (&a [*a]) make the graph cyclic; the depth bound ends those too.
    if (depth > kMaxDepth) return yaml_error(where_, node.Mark(), "nesting too deep");
    if (nodes_left_ == 0) {
      return yaml_error(where_, node.Mark(), "aliases expand to too many nodes");
    }
    --nodes_left_;
    switch (node.Type()) {
      case YAML::NodeType::Sequence: {
        json out = json::array();
        for (const YAML::Node& item : node) {
          auto child = convert(item, depth + 1);
          if (!child) return child;
          out.push_back(std::move(*child));
        }
        return out;
      }
      case YAML::NodeType::Map: {
        json out = json::object();
        for (const auto& entry : node) {
          const YAML::Node& key = entry.first;
          if (!key.IsScalar()) {
            return yaml_error(where_, key.Mark(), "mapping keys must be scalars");
          }
          if (out.contains(key.Scalar())) {
            return yaml_error(where_, key.Mark(), "duplicate key '" + key.Scalar() + "'");
          }
          auto value = convert(entry.second, depth + 1);
          if (!value) return value;
          out[key.Scalar()] = std::move(*value);
        }
        return out;
      }
      case YAML::NodeType::Scalar:
        return scalar(node);
      default:  // Null (null, ~, empty) and Undefined
        return json(nullptr);
    }
  }

 private:
  static constexpr size_t kMaxDepth = 256;

  // Plain true/false (YAML 1.2 core schema spellings) are booleans; every other scalar stays a
  // string, as kubeconfig and manifest fields are strings (numbers included, e.g. a port "6443").
  Result<json> scalar(const YAML::Node& node) {
    const std::string& s = node.Scalar();
    const std::string& tag = node.Tag();
    if (tag == "?" || tag == "tag:yaml.org,2002:bool") {
      if (s == "true" || s == "True" || s == "TRUE") return json(true);
      if (s == "false" || s == "False" || s == "FALSE") return json(false);
    }
    if (tag == "!") {
      auto closed = quote_is_closed(node.Mark());
      if (!closed) return std::move(closed).error();
    }
    return json(s);
  }

  // yaml-cpp 0.7 ends a quoted scalar left open at the end of the input without an error (it
  // reads "a: 'open" as "open "); a truncated kubeconfig must not pass for a valid one.
  Result<void> quote_is_closed(const YAML::Mark& mark) const {
    if (mark.is_null() || mark.pos < 0 || static_cast<size_t>(mark.pos) >= text_.size()) return {};
    const char quote = text_[static_cast<size_t>(mark.pos)];
    if (quote != '\'' && quote != '"') return {};  // a block scalar (| or >)
    for (size_t i = static_cast<size_t>(mark.pos) + 1; i < text_.size(); ++i) {
      if (quote == '"' && text_[i] == '\\') {
        ++i;
      } else if (text_[i] == quote) {
        if (quote == '\'' && i + 1 < text_.size() && text_[i + 1] == '\'') {
          ++i;  // '' is an escaped quote
        } else {
          return {};
        }
      }
    }
    return yaml_error(where_, mark, "unterminated quoted scalar");
  }

  std::string_view text_;
  const std::string& where_;
  size_t nodes_left_;
};

// Counts the documents of a stream, giving up past `limit`. Events only: nothing is kept.
class DocumentCounter final : public YAML::EventHandler {
 public:
  void OnDocumentStart(const YAML::Mark&) override {}
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark&, YAML::anchor_t) override {}
  void OnAlias(const YAML::Mark&, YAML::anchor_t) override {}
  void OnScalar(const YAML::Mark&, const std::string&, YAML::anchor_t,
                const std::string&) override {
    non_null_ = true;
  }
  void OnSequenceStart(const YAML::Mark&, const std::string&, YAML::anchor_t,
                       YAML::EmitterStyle::value) override {
    non_null_ = true;
  }
  void OnSequenceEnd() override {}
  void OnMapStart(const YAML::Mark&, const std::string&, YAML::anchor_t,
                  YAML::EmitterStyle::value) override {
    non_null_ = true;
  }
  void OnMapEnd() override {}
  bool non_null() const { return non_null_; }

 private:
  bool non_null_ = false;
};

// yaml-cpp 0.7 reads a stream such as "," as an endless series of null documents without
// consuming the input (jbeder/yaml-cpp#1040, fixed after 0.7); LoadAll then loops forever,
// allocating. Every real document takes at least one byte of input, so a stream with more
// documents than bytes is that bug; a stream of nothing but null documents is refused too.
Status check_stream_ends(const std::string& text, const std::string& where) {
  std::istringstream in(text);
  YAML::Parser parser(in);
  DocumentCounter counter;
  size_t documents = 0;
  while (parser.HandleNextDocument(counter)) {
    if (++documents > text.size() + 1) {
      return yaml_error(where, YAML::Mark::null_mark(),
                        "not a YAML stream (the parser does not advance; yaml-cpp 0.7 bug)");
    }
  }
  if (documents > 0 && !counter.non_null()) {
    return yaml_error(where, YAML::Mark::null_mark(), "the stream holds only null documents");
  }
  return {};
}

Result<std::vector<YAML::Node>> load_documents(std::string_view text, const std::string& where) {
  try {
    const std::string copy(text);
    KC_TRY(check_stream_ends(copy, where));
    return YAML::LoadAll(copy);
  } catch (const YAML::Exception& e) {
    return yaml_error(where, e.mark, e.msg);
  }
}

// True when a plain (unquoted) scalar with this text would not read back as this string under
// YAML 1.1 or 1.2 resolution (kubeadm reads YAML 1.1-style through sigs.k8s.io/yaml).
bool needs_quotes(const std::string& s) {
  static const std::regex special(
      "|~|null|Null|NULL|true|True|TRUE|false|False|FALSE|yes|Yes|YES|no|No|NO|on|On|ON|off|Off|"
      "OFF|y|Y|n|N|[-+]?[0-9][0-9_]*(\\.[0-9_]*)?([eE][-+]?[0-9]+)?|[-+]?\\.[0-9]+([eE][-+]?[0-9]+)"
      "?|"
      "0x[0-9a-fA-F_]+|0o[0-7]+|[-+]?\\.(inf|Inf|INF)|\\.(nan|NaN|NAN)|[0-9][0-9:_]*:[0-5]?[0-9]"
      "(\\.[0-9_]*)?|[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}.*");
  return std::regex_match(s, special);
}

template <class Json>
void emit(YAML::Emitter& out, const Json& value) {
  if (value.is_object()) {
    out << YAML::BeginMap;
    for (const auto& [key, item] : value.items()) {
      out << YAML::Key;
      if (needs_quotes(key)) out << YAML::DoubleQuoted;
      out << key << YAML::Value;
      emit(out, item);
    }
    out << YAML::EndMap;
  } else if (value.is_array()) {
    out << YAML::BeginSeq;
    for (const auto& item : value) emit(out, item);
    out << YAML::EndSeq;
  } else if (value.is_string()) {
    const auto& s = value.template get_ref<const std::string&>();
    if (needs_quotes(s)) out << YAML::DoubleQuoted;
    out << s;
  } else if (value.is_boolean()) {
    out << YAML::TrueFalseBool << value.template get<bool>();
  } else if (value.is_null()) {
    out << YAML::Null;
  } else {
    out << value.dump();  // numbers, in JSON's spelling (also valid YAML)
  }
}

template <class Json>
std::string emit_documents(const std::vector<Json>& documents) {
  YAML::Emitter out;
  out.SetIndent(2);
  out.SetMapFormat(YAML::Block);
  out.SetSeqFormat(YAML::Block);
  for (const Json& document : documents) {
    out << YAML::BeginDoc;
    emit(out, document);
  }
  std::string text = out.c_str();
  if (!text.empty() && text.back() != '\n') text += '\n';
  return text;
}

}  // namespace

std::string emit_yaml_documents(const std::vector<nlohmann::ordered_json>& documents) {
  return emit_documents(documents);
}

std::string emit_yaml_documents(const std::vector<json>& documents) {
  return emit_documents(documents);
}

Result<std::vector<json>> parse_yaml_documents(std::string_view text, const std::string& where) {
  auto documents = load_documents(text, where);
  if (!documents) return std::move(documents).error();
  std::vector<json> out;
  JsonFromYaml converter(text, where);
  for (const YAML::Node& document : *documents) {
    auto converted = converter.convert(document);
    if (!converted) return std::move(converted).error();
    out.push_back(std::move(*converted));
  }
  return out;
}

Result<json> parse_yaml(std::string_view text, const std::string& where) {
  auto documents = load_documents(text, where);
  if (!documents) return std::move(documents).error();
  if (documents->empty()) return json::object();  // only comments, as an empty kubeconfig
  if (documents->size() > 1) {
    return yaml_error(where, (*documents)[1].Mark(), "more than one document");
  }
  return JsonFromYaml(text, where).convert(documents->front());
}

}  // namespace kc
