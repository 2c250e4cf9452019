#include <fmt/format.h>

#include "bootstrap/join_configuration.h"
#include "bootstrap/kubeadm_join_step.h"
#include "bootstrap/phases/phases.h"
#include "common/core/plan.h"

namespace kc::worker {
namespace {

// /etc/kc/kubeadm-join.yaml, 0600: the token is in this file only, never on kubeadm's command
// line. Its content is made when the step runs, so an identity resolved by an earlier step of
// the plan (IMDS) is in it.
class JoinConfigStep final : public Step {
 public:
  JoinConfigStep(WorkerConfig config, IdentitySource identity, std::shared_ptr<JoinOutcome> outcome)
      : config_(std::move(config)), identity_(std::move(identity)), outcome_(std::move(outcome)) {}

  std::string describe() const override {
    return fmt::format("{} (0600, kubeadm.k8s.io/v1beta4 JoinConfiguration)", kKubeadmJoinConfig);
  }

  Result<Findings> check(const StepContext& context) override {
    const std::optional<aws::NodeIdentity> identity =
        identity_ ? identity_() : std::optional<aws::NodeIdentity>();
    if (identity && outcome_) outcome_->node_name = identity->node_name;
    content_ = join_configuration_yaml(config_, identity, true);
    auto diff = compare_file(context.host, std::string(kKubeadmJoinConfig), content_, 0600);
    if (!diff) return std::move(diff).error();
    Findings findings{{}, std::string(kKubeadmJoinConfig)};
    if (diff->has_value()) {
      findings.changes.push_back({(*diff)->content ? Verb::write : Verb::set_mode,
                                  std::string(kKubeadmJoinConfig), "(" + (*diff)->reason + ")"});
    }
    return findings;
  }

  Status apply(const StepContext& context, std::vector<Change>&) override {
    return context.host.replace_atomically(kKubeadmJoinConfig, content_, 0600);
  }

 private:
  WorkerConfig config_;
  IdentitySource identity_;
  std::shared_ptr<JoinOutcome> outcome_;
  std::string content_;
};

}  // namespace

Phase kubeadm_phase(const WorkerConfig& c, std::shared_ptr<JoinOutcome> outcome,
                    IdentitySource identity) {
  Phase phase{"kubeadm", {}};
  if (!outcome) outcome = std::make_shared<JoinOutcome>();
  phase.steps.push_back(std::make_unique<JoinConfigStep>(c, std::move(identity), outcome));
  phase.steps.push_back(
      std::make_unique<KubeadmJoinStep>(c.join, c.join_timeout, std::move(outcome)));
  return phase;
}

}  // namespace kc::worker
