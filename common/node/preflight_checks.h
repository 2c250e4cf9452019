// The checks every node runs before kc changes anything (leader and worker alike): each one
// observes the host through kc::Host (so /proc and /sys come from --root in tests) and every
// failure is listed at once, with what to do, under the name kubeadm gives the same check, so
// --ignore-preflight-errors reads as kubeadm's.
#pragma once

#include <sys/types.h>

#include <memory>
#include <string>
#include <vector>

#include "common/aws/identity_step.h"
#include "common/core/plan.h"

namespace kc::node {

inline constexpr const char* kContainerdSocket = "/run/containerd/containerd.sock";
// kubeadm writes this first; when it is there, the control-plane ports are held by kc's own
// control plane, not by something in the way.
inline constexpr const char* kApiServerManifest = "/etc/kubernetes/manifests/kube-apiserver.yaml";
// ... and this once the kubelet of a node (leader or worker) has joined: its port is its own.
inline constexpr const char* kKubeletConf = "/etc/kubernetes/kubelet.conf";

struct PreflightOptions {
  // --ignore-preflight-errors as given: names ("Swap", "Port-6443"), case-insensitive, or "all".
  std::vector<std::string> ignore;
  std::vector<int> ports;  // that must be free (TCP, any address)
  // Subnets that must not overlap the VPC CIDRs (pod, service); empty on a worker.
  std::vector<std::string> subnets;
  uid_t euid = 0;  // the effective user id of kc
};

// The control-plane ports of a kubeadm leader: API server, kubelet, controller-manager,
// scheduler, etcd.
std::vector<int> leader_ports();
// A worker's: the kubelet's.
std::vector<int> worker_ports();

// Every name --ignore-preflight-errors accepts, for its check.
std::vector<std::string> preflight_check_names(const PreflightOptions& options);
// A name not among them (kubeadm would also refuse it), or "" when all are known.
std::string unknown_preflight_name(const std::vector<std::string>& ignore,
                                   const PreflightOptions& options);

struct PreflightFailure {
  std::string name;  // "Swap", "Port-6443", "CRI", "SubnetOverlap", "KernelModule-br_netfilter"
  std::string why;
  std::string hint;
  std::string describe() const;  // "[Swap] swap is on (...): turn it off ..."
};

// Runs every check; changes nothing. `vpc_cidrs` may be empty (identity not known).
Result<std::vector<PreflightFailure>> run_preflight_checks(
    const Host& host, const PreflightOptions& options, const std::vector<std::string>& vpc_cidrs);

// True when `name` is ignored by the list (as kubeadm: case-insensitive, "all" ignores all).
bool ignored(const std::vector<std::string>& ignore, const std::string& name);

// The preflight phase's first step: check() runs the checks; ignored failures are warnings;
// the others become one change "stop: ..." listing them all, which a dry run prints and a real
// run's apply() turns into the error, so nothing after it changes the host.
class PreflightChecksStep final : public Step {
 public:
  PreflightChecksStep(PreflightOptions options, std::shared_ptr<aws::ResolvedIdentity> identity);
  std::string describe() const override;
  Result<Findings> check(const StepContext& context) override;
  Status apply(const StepContext& context, std::vector<Change>& changes) override;

 private:
  PreflightOptions options_;
  std::shared_ptr<aws::ResolvedIdentity> identity_;
  std::vector<PreflightFailure> failures_;
};

}  // namespace kc::node
