// CloudFormation's intrinsic functions and tag lists as data (the long forms: {"Ref": X}), so a
// template is a plain JSON tree the YAML emitter writes without custom tags.
#pragma once

#include <nlohmann/json.hpp>

#include <string>
#include <utility>
#include <vector>

namespace kc::aws_template::cfn {

using nlohmann::ordered_json;

inline ordered_json ref(const std::string& name) {
  return ordered_json{{"Ref", name}};
}

inline ordered_json get_att(const std::string& resource, const std::string& attribute) {
  return ordered_json{{"Fn::GetAtt", ordered_json::array({resource, attribute})}};
}

inline ordered_json import_value(const std::string& export_name) {
  return ordered_json{{"Fn::ImportValue", export_name}};
}

inline ordered_json sub(const std::string& text) {
  return ordered_json{{"Fn::Sub", text}};
}

inline ordered_json base64(const std::string& text) {
  return ordered_json{{"Fn::Base64", text}};
}

struct Tag {
  std::string key;
  ordered_json value;  // a string, or an intrinsic function
};

// [{Key, Value}, ...] as most resources take them.
inline ordered_json tags(const std::vector<Tag>& list) {
  ordered_json out = ordered_json::array();
  for (const Tag& tag : list) out.push_back(ordered_json{{"Key", tag.key}, {"Value", tag.value}});
  return out;
}

}  // namespace kc::aws_template::cfn
