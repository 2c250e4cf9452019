#include "common/core/plan.h"

#include <cstdio>

#include <fmt/format.h>

namespace kc {

FileStep::FileStep(std::string host_path, std::string content, mode_t mode)
    : host_path_(std::move(host_path)), content_(std::move(content)), mode_(mode) {}

std::string FileStep::describe() const {
  return fmt::format("file {} ({:04o})", host_path_, mode_);
}

Result<std::optional<FileDifference>> compare_file(const Host& host, const std::string& host_path,
                                                   std::string_view content, mode_t mode) {
  auto current = host.read_file(host_path);
  if (!current) return std::move(current).error();
  if (!current->has_value()) return std::optional<FileDifference>(FileDifference{true, "new"});
  if (**current != content) {
    return std::optional<FileDifference>(FileDifference{true, "content differs"});
  }
  auto info = host.stat(host_path);
  if (!info) return std::move(info).error();
  if (info->has_value() && (*info)->mode != mode) {
    return std::optional<FileDifference>(
        FileDifference{false, fmt::format("mode {:04o} differs", (*info)->mode)});
  }
  return std::optional<FileDifference>();
}

Result<Outcome> FileStep::run(const StepContext& context) {
  auto diff = compare_file(context.host, host_path_, content_, mode_);
  if (!diff) return std::move(diff).error();
  if (!diff->has_value()) return Outcome{false, fmt::format("{} up to date", host_path_)};
  const FileDifference& d = **diff;
  if (context.dry_run)
    return Outcome{true, fmt::format("would write {} ({})", host_path_, d.reason)};
  if (!d.content) {
    KC_TRY(context.host.chmod(host_path_, mode_));
    return Outcome{true, fmt::format("set mode of {} to {:04o}", host_path_, mode_)};
  }
  KC_TRY(context.host.write_file(host_path_, content_, mode_));
  return Outcome{true, fmt::format("wrote {} ({})", host_path_, d.reason)};
}

Result<Outcome> PlannedStep::run(const StepContext& context) {
  if (context.dry_run) return Outcome{true, "would " + description_};
  return Error{"run step", description_, "not implemented in this version of kc", ""};
}

Result<PlanReport> execute(Plan& plan, const StepContext& context, std::FILE* out) {
  PlanReport report;
  for (Phase& phase : plan) {
    for (auto& step : phase.steps) {
      auto outcome = step->run(context);
      if (!outcome) {
        Error error = std::move(outcome).error();
        error.context(phase.name);
        return error;
      }
      outcome->changed ? ++report.changed : ++report.unchanged;
      fmt::print(out, "[{}] {}\n", phase.name, outcome->summary);
    }
  }
  std::fflush(out);
  return report;
}

std::vector<std::string> unimplemented_steps(const Plan& plan) {
  std::vector<std::string> out;
  for (const Phase& phase : plan) {
    for (const auto& step : phase.steps) {
      if (!step->implemented()) out.push_back(phase.name + ": " + step->describe());
    }
  }
  return out;
}

}  // namespace kc
