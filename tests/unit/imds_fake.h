// The instance metadata service for unit tests: a map from path to value, an optional failure
// every request returns (no IMDS: off EC2, hop limit), and the paths asked, in order.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "common/aws/identity.h"

class FakeMetadata : public kc::aws::InstanceMetadata {
 public:
  FakeMetadata() = default;
  explicit FakeMetadata(std::map<std::string, std::string> answers) : values(std::move(answers)) {}

  std::map<std::string, std::string> values;
  std::optional<kc::Error> failure;
  std::vector<std::string> asked;

  kc::Result<std::optional<std::string>> get(const std::string& path) override {
    asked.push_back(path);
    if (failure) return *failure;
    auto it = values.find(path);
    if (it == values.end()) return std::optional<std::string>();
    return std::optional<std::string>(it->second);
  }
  std::string describe() const override { return "IMDS at fake"; }
};
