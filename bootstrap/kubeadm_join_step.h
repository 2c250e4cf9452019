// The step that joins the node: kubeadm join --config /etc/kc/kubeadm-join.yaml, unless
// /etc/kubernetes/kubelet.conf shows the node already joined (every boot after the first).
// Before kubeadm runs, kc checks discovery itself (bootstrap/discovery.h): an API server that
// cannot be reached is waited for with capped backoff until --join-timeout, each attempt's
// reason logged; a rejected token or a CA that does not match the pin fails at once.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include "bootstrap/discovery.h"
#include "bootstrap/worker_config.h"
#include "common/core/plan.h"
#include "common/core/process.h"

namespace kc::worker {

// What the step did, for the status line.
struct JoinOutcome {
  enum class State { planned, joined, already_joined, failed };
  State state = State::planned;
  int attempts = 0;
  std::string node_name;  // from the identity, once the kubeadm phase knows it
};

class KubeadmJoinStep final : public Step {
 public:
  struct Seams {  // defaults: the real network, process, clock and sleep
    std::function<DiscoveryResult(const JoinData&, std::chrono::seconds)> probe;
    std::function<Result<ProcessResult>(const ProcessSpec&)> run;
    std::function<std::chrono::steady_clock::time_point()> now;
    std::function<void(std::chrono::seconds)> sleep;
  };

  KubeadmJoinStep(JoinData join, std::chrono::seconds join_timeout,
                  std::shared_ptr<JoinOutcome> outcome, Seams seams = {});

  std::string describe() const override;
  Result<Findings> check(const StepContext& context) override;
  Status apply(const StepContext& context, std::vector<Change>& changes) override;

 private:
  // One kubeadm run (after a reset when an earlier one stopped half-way).
  Result<ProcessResult> run_kubeadm(const StepContext& context,
                                    const std::vector<std::string>& args,
                                    std::chrono::seconds timeout);
  Result<bool> half_joined(const Host& host) const;

  JoinData join_;
  std::chrono::seconds join_timeout_;
  std::shared_ptr<JoinOutcome> outcome_;
  Seams seams_;
};

}  // namespace kc::worker
