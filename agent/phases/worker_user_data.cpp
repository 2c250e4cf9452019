// The worker-user-data phase of init: both formats of the worker user data, kept 0600 under
// /etc/kc (they hold the bootstrap token); init prints them when it ends.
#include <fmt/format.h>

#include "agent/join_data.h"
#include "agent/phases/join_source.h"
#include "agent/phases/phases.h"
#include "common/core/plan.h"
#include "common/join/user_data.h"

namespace kc::leader {

namespace {

struct UserDataCopy {
  join::UserDataFormat format;
  std::string_view path;
};
constexpr UserDataCopy kCopies[] = {{join::UserDataFormat::ignition, kIgnitionUserDataPath},
                                    {join::UserDataFormat::shell, kShellUserDataPath}};

class UserDataStep final : public Step {
 public:
  UserDataStep(std::shared_ptr<KcWorkerSource> source, std::string worker_binary_url,
               std::string worker_args)
      : source_(std::move(source)),
        url_(std::move(worker_binary_url)),
        worker_args_(std::move(worker_args)) {}
  std::string describe() const override { return "the worker user data (Ignition 3.5 and shell)"; }

  Result<Findings> check(const StepContext& context) override {
    const Host& host = context.host;
    contents_.clear();
    Findings findings{{},
                      fmt::format("{} and {} (0600)", kIgnitionUserDataPath, kShellUserDataPath)};
    auto join_file = host.stat(join::kJoinFilePath);
    if (!join_file) return std::move(join_file).error();
    if (!join_file->has_value() || !source_->load()) {
      // A dry run: the join-data phase writes the join file first.
      for (const auto& copy : kCopies) {
        findings.changes.push_back(
            {Verb::write, std::string(copy.path),
             fmt::format("(0600, {} user data from {})", join::format_name(copy.format),
                         join::kJoinFilePath)});
      }
      return findings;
    }
    KC_TRY(source_->load());
    auto on_host = join::read_join_file(host);
    if (!on_host) return std::move(on_host).error();
    auto binary = worker_binary(host, on_host->join.api_server_endpoint, source_->arch(), url_);
    if (!binary) {
      // A dry run before the served kc-worker is installed: pin the digest of --kc-worker.
      binary = join::WorkerBinary{
          url_.empty() ? kc_serve_url(on_host->join.api_server_endpoint, source_->arch()) : url_,
          source_->sha256()};
    }
    for (size_t i = 0; i < std::size(kCopies); ++i) {
      auto data = join::make_user_data(kCopies[i].format, on_host->join, *binary, worker_args_);
      if (!data) return std::move(data).error();
      contents_.push_back(std::move(*data));
      const std::string path(kCopies[i].path);
      auto diff = compare_file(host, path, contents_.back(), 0600);
      if (!diff) return std::move(diff).error();
      if (diff->has_value()) {
        findings.changes.push_back(
            {(*diff)->content ? Verb::write : Verb::set_mode, path,
             fmt::format("(0600, {} bytes; {})", contents_.back().size(), (*diff)->reason), i});
      }
    }
    return findings;
  }

  Status apply(const StepContext& context, std::vector<Change>& changes) override {
    if (contents_.empty()) {
      return Error{"write the worker user data", std::string(join::kJoinFilePath),
                   "No such file or directory", "the join-data phase writes it first"};
    }
    for (const auto& change : changes) {
      KC_TRY(context.host.replace_atomically(change.object, contents_.at(change.item), 0600));
    }
    return {};
  }

 private:
  std::shared_ptr<KcWorkerSource> source_;
  std::string url_;
  std::string worker_args_;
  std::vector<std::string> contents_;  // by kCopies index
};

}  // namespace

Phase worker_user_data_phase(const LeaderConfig& config) {
  Phase phase{"worker-user-data", {}};
  auto source = std::make_shared<KcWorkerSource>(config.join.kc_worker);
  phase.steps.push_back(std::make_unique<UserDataStep>(source, config.join.worker_binary_url,
                                                       config.join.worker_args));
  return phase;
}

}  // namespace kc::leader
