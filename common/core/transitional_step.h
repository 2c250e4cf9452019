// TRANSITIONAL (issue 8): lets a step written before the check/apply contract run under the new
// engine until it is converted. Deleted once every step implements check() and apply().
#pragma once

#include <string>
#include <vector>

#include "common/core/plan.h"

namespace kc {

struct Outcome {
  bool changed = false;
  std::string summary;  // "would ..." on a dry run, what it did otherwise
};

class TransitionalStep : public Step {
 public:
  virtual Result<Outcome> run(const StepContext& context) = 0;

  Result<Findings> check(const StepContext& context) override {
    StepContext dry = context;
    dry.dry_run = true;
    auto outcome = run(dry);
    if (!outcome) return std::move(outcome).error();
    if (!outcome->changed) {
      std::string subject = outcome->summary;
      const std::string tail = " up to date";
      if (subject.ends_with(tail)) subject.resize(subject.size() - tail.size());
      if (subject == "up to date") subject.clear();
      return Findings{{}, subject};
    }
    std::string text = outcome->summary;
    if (text.starts_with("would ")) text = text.substr(6);
    return Findings{{Change{Verb::perform, text, ""}}, ""};
  }

  Status apply(const StepContext& context, std::vector<Change>& changes) override {
    auto outcome = run(context);
    if (!outcome) return std::move(outcome).error();
    changes = {Change{Verb::perform, outcome->summary, ""}};
    return {};
  }
};

}  // namespace kc
