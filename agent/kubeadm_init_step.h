// The kubeadm phase's steps: the configuration file (written 0600: kubeadm reads secrets such as
// bootstrap tokens from it, never from argv) and "kubeadm init --config" itself, converging:
//   admin.conf there and /readyz answering with it: nothing to do;
//   a control plane half there (admin.conf or static-pod manifests, API server down): refuse,
//     saying what to run (kubeadm reset), never running init over it;
//   nothing there: run kubeadm init, its output streamed line by line into kc's log, bounded in
//     time; a failure names the kubeadm phase that failed and its last lines.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include "agent/leader_config.h"
#include "common/aws/identity_step.h"
#include "common/core/plan.h"
#include "common/core/process.h"

namespace kc::leader {

inline constexpr const char* kAdminConf = "/etc/kubernetes/admin.conf";
inline constexpr const char* kManifestsDir = "/etc/kubernetes/manifests";
inline constexpr const char* kKubeadm = "/opt/bin/kubeadm";

// Writes /etc/kc/kubeadm-init.yaml from the configuration and the identity resolved before it
// (placeholders on a dry run that could not resolve one).
class KubeadmConfigStep final : public Step {
 public:
  KubeadmConfigStep(LeaderConfig config, std::shared_ptr<aws::ResolvedIdentity> identity);
  std::string describe() const override;
  Result<Findings> check(const StepContext& context) override;
  Status apply(const StepContext& context, std::vector<Change>& changes) override;

 private:
  LeaderConfig config_;
  std::shared_ptr<aws::ResolvedIdentity> identity_;
  std::string content_;  // as of the last check()
};

using ProcessRunner = std::function<Result<ProcessResult>(const ProcessSpec&)>;
// Whether the API server answers /readyz with the credentials of admin.conf: an error says why
// not.
using ReadyProbe = std::function<Status(const Host& host)>;

// GET /readyz with admin.conf, a few tries a second apart.
Status api_server_ready(const Host& host);

// The kubeadm phase named by kubeadm's output: the phase of "error execution phase NAME", else
// the last "[NAME] ..." line; "" when none.
std::string failing_kubeadm_phase(const std::vector<std::string>& lines);

class KubeadmInitStep final : public Step {
 public:
  explicit KubeadmInitStep(std::chrono::seconds timeout, ProcessRunner run = {},
                           ReadyProbe ready = {});
  std::string describe() const override;
  Result<Findings> check(const StepContext& context) override;
  Status apply(const StepContext& context, std::vector<Change>& changes) override;

 private:
  std::chrono::seconds timeout_;
  ProcessRunner run_;
  ReadyProbe ready_;
};

}  // namespace kc::leader
