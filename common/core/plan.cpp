#include "common/core/plan.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <cstdio>

namespace kc {
namespace {

struct VerbWords {
  std::string_view before;
  std::string_view after;
};

VerbWords words(Verb verb) {
  switch (verb) {
    case Verb::write:
      return {"write", "wrote"};
    case Verb::set_mode:
      return {"set the mode of", "set the mode of"};
    case Verb::remove:
      return {"remove", "removed"};
    case Verb::enable:
      return {"enable", "enabled"};
    case Verb::reload:
      return {"reload", "reloaded"};
    case Verb::start:
      return {"start", "started"};
    case Verb::restart:
      return {"restart", "restarted"};
    case Verb::install:
      return {"install", "installed"};
    case Verb::issue:
      return {"issue", "issued"};
    case Verb::apply:
      return {"apply", "applied"};
    case Verb::create:
      return {"create", "created"};
    case Verb::run:
      return {"run", "ran"};
    case Verb::perform:
      return {"", ""};
  }
  return {"", ""};
}

std::string join_changes(const std::vector<Change>& changes, bool done) {
  std::string out;
  for (const Change& c : changes) {
    if (!out.empty()) out += "; ";
    if (!done) out += "would ";
    out += c.describe(done);
  }
  return out;
}

}  // namespace

std::string_view verb_before(Verb verb) {
  return words(verb).before;
}
std::string_view verb_after(Verb verb) {
  return words(verb).after;
}

std::string Change::describe(bool done) const {
  std::string out(done ? verb_after(verb) : verb_before(verb));
  if (!object.empty()) out += (out.empty() ? "" : " ") + object;
  if (!detail.empty()) out += " " + detail;
  return out;
}

namespace {

std::string with_phase(std::string_view phase, std::string_view text) {
  return phase.empty() ? std::string(text) : fmt::format("[{}] {}", phase, text);
}

}  // namespace

void StreamReporter::line(std::string_view phase, std::string_view text) {
  fmt::print(out_, "{}\n", with_phase(phase, text));
  std::fflush(out_);
}

void StreamReporter::info(std::string_view phase, std::string_view text) {
  spdlog::info("{}", with_phase(phase, text));
}

void StreamReporter::warn(std::string_view phase, std::string_view text) {
  spdlog::warn("{}", with_phase(phase, text));
}

void StreamReporter::error(std::string_view phase, std::string_view text) {
  spdlog::error("{}", with_phase(phase, text));
}

void StepContext::info(std::string_view text) const {
  if (reporter != nullptr) reporter->info(phase, text);
}

void StepContext::warn(std::string_view text) const {
  if (reporter != nullptr) reporter->warn(phase, text);
}

FileStep::FileStep(std::string host_path, std::string content, mode_t mode)
    : host_path_(std::move(host_path)), content_(std::move(content)), mode_(mode) {}

std::string FileStep::describe() const {
  return fmt::format("file {} ({:04o})", host_path_, mode_);
}

namespace {

// The difference of host_path, once its content was read or hashed: missing, other content, or
// (only then stat'ed) another mode.
Result<std::optional<FileDifference>> difference(const Host& host, const std::string& host_path,
                                                 bool exists, bool same_content, mode_t mode) {
  if (!exists) return std::optional<FileDifference>(FileDifference{true, "new"});
  if (!same_content) return std::optional<FileDifference>(FileDifference{true, "content differs"});
  auto info = host.stat(host_path);
  if (!info) return std::move(info).error();
  if (info->has_value() && (*info)->mode != mode) {
    return std::optional<FileDifference>(
        FileDifference{false, fmt::format("mode {:04o} differs", (*info)->mode)});
  }
  return std::optional<FileDifference>();
}

}  // namespace

Result<std::optional<FileDifference>> compare_file(const Host& host, const std::string& host_path,
                                                   std::string_view content, mode_t mode) {
  auto current = host.read_file(host_path);
  if (!current) return std::move(current).error();
  return difference(host, host_path, current->has_value(),
                    current->has_value() && **current == content, mode);
}

Result<std::optional<FileDifference>> compare_file_sha256(const Host& host,
                                                          const std::string& host_path,
                                                          std::string_view sha256, mode_t mode) {
  auto digest = host.sha256(host_path);
  if (!digest) return std::move(digest).error();
  return difference(host, host_path, digest->has_value(), digest->has_value() && **digest == sha256,
                    mode);
}

Result<Findings> FileStep::check(const StepContext& context) {
  auto diff = compare_file(context.host, host_path_, content_, mode_);
  if (!diff) return std::move(diff).error();
  Findings findings{{}, host_path_};
  if (!diff->has_value()) return findings;
  const FileDifference& d = **diff;
  if (d.content) {
    findings.changes.push_back({Verb::write, host_path_, "(" + d.reason + ")"});
  } else {
    findings.changes.push_back(
        {Verb::set_mode, host_path_, fmt::format("to {:04o} ({})", mode_, d.reason)});
  }
  return findings;
}

Status FileStep::apply(const StepContext& context, std::vector<Change>& changes) {
  for (const Change& change : changes) {
    if (change.verb == Verb::set_mode) {
      KC_TRY(context.host.chmod(host_path_, mode_));
    } else {
      KC_TRY(context.host.write_file(host_path_, content_, mode_));
    }
  }
  return {};
}

Result<Findings> PlannedStep::check(const StepContext&) {
  return Findings{{Change{Verb::perform, description_, ""}}, description_};
}

Status PlannedStep::apply(const StepContext& context, std::vector<Change>& changes) {
  if (context.skip_planned) {
    context.warn(description_ + ": not implemented in this version of kc, skipped");
    for (Change& change : changes) change.detail = "(not implemented yet, skipped)";
    return {};
  }
  return Error{"run step", description_, "not implemented in this version of kc", ""};
}

void add_planned(Phase& phase, std::string description) {
  phase.steps.push_back(std::make_unique<PlannedStep>(std::move(description)));
}

Result<PlanReport> execute(Plan& plan, const StepContext& given, std::FILE* out) {
  StreamReporter fallback(out);
  StepContext context = given;
  if (context.reporter == nullptr) context.reporter = &fallback;
  PlanReport report;
  for (Phase& phase : plan) {
    context.phase = phase.name;
    for (auto& step : phase.steps) {
      auto findings = step->check(context);
      if (!findings) return std::move(findings).error().context(phase.name);
      std::vector<Change>& changes = findings->changes;
      if (changes.empty()) {
        ++report.unchanged;
        context.reporter->line(phase.name, findings->subject.empty()
                                               ? std::string("up to date")
                                               : findings->subject + " up to date");
        continue;
      }
      if (!context.dry_run) {
        if (auto applied = step->apply(context, changes); !applied) {
          return std::move(applied).error().context(phase.name);
        }
      }
      ++report.changed;
      report.changes += static_cast<int>(changes.size());
      context.reporter->line(phase.name, join_changes(changes, !context.dry_run));
    }
  }
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
