#include <fmt/format.h>

#include "bootstrap/phases/phases.h"

namespace kc::worker {
namespace {

// The join file holds the bootstrap token: it must be readable by root only. One readable by
// group or others is warned about and set to 0600; the token file of --token-file is only
// warned about (it is the operator's, not kc's).
class JoinDataStep final : public Step {
 public:
  explicit JoinDataStep(JoinData join) : join_(std::move(join)) {}

  std::string describe() const override {
    return join_.join_file.empty() ? std::string("join data from flags")
                                   : fmt::format("join data from {} (mode 0600)", join_.join_file);
  }

  Result<Findings> check(const StepContext& context) override {
    if (!join_.token_file.empty() && (join_.token_file_mode & 077) != 0) {
      context.warn(
          fmt::format("--token-file {} is readable by others (mode {:04o}); it holds "
                      "the bootstrap token: chmod 0600 it",
                      join_.token_file, join_.token_file_mode));
    }
    if (join_.join_file.empty()) {
      return Findings{{}, fmt::format("join data from flags (API server {})", join_.api_server)};
    }
    auto info = context.host.stat(join_.join_file);
    if (!info) return std::move(info).error();
    const mode_t mode = *info ? (*info)->mode : join_.join_file_mode;
    Findings findings{{}, fmt::format("{} (API server {})", join_.join_file, join_.api_server)};
    if ((mode & 077) != 0) {
      context.warn(
          fmt::format("{} is readable by others (mode {:04o}) and holds the bootstrap "
                      "token; setting it to 0600",
                      join_.join_file, mode));
      findings.changes.push_back(
          {Verb::set_mode, join_.join_file,
           fmt::format("to 0600 (mode {:04o} is readable by others)", mode)});
    }
    return findings;
  }

  Status apply(const StepContext& context, std::vector<Change>&) override {
    return context.host.chmod(join_.join_file, 0600);
  }

 private:
  JoinData join_;
};

}  // namespace

Phase join_data_phase(const WorkerConfig& c) {
  Phase phase{"join-data", {}};
  phase.steps.push_back(std::make_unique<JoinDataStep>(c.join));
  return phase;
}

}  // namespace kc::worker
