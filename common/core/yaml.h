// YAML, read and written with yaml-cpp and handed to callers as JSON (nlohmann::json), the form
// the rest of kc works with: kubeconfig files, Kubernetes manifests, kubeadm configuration.
#pragma once

#include <nlohmann/json.hpp>

#include <string>
#include <string_view>
#include <vector>

#include "common/core/error.h"

namespace kc {

// Parses one YAML document into JSON: mappings become objects, sequences arrays, plain true and
// false booleans, null/~/empty null, and every other scalar a string (numbers included). Errors
// (syntax, duplicate keys, more than one document) name `where` and the line. Empty input (or
// only comments) gives {}.
Result<nlohmann::json> parse_yaml(std::string_view text, const std::string& where);

// The same for each document of a multi-document stream (separated by ---).
Result<std::vector<nlohmann::json>> parse_yaml_documents(std::string_view text,
                                                         const std::string& where);

// Emits JSON documents as one YAML stream, each document started by "---". Objects keep the
// order of their keys (ordered_json: insertion order; json: sorted), so the output is stable.
// A string that YAML would read as something else (true, null, 6443, 1.36, "", ~) is quoted;
// parse_yaml_documents() reads the output back to the same values (numbers as strings).
std::string emit_yaml_documents(const std::vector<nlohmann::ordered_json>& documents);
std::string emit_yaml_documents(const std::vector<nlohmann::json>& documents);

}  // namespace kc
