// The kernel settings a node needs, applied now and persisted for the next boot:
//   kernel modules overlay and br_netfilter (/etc/modules-load.d/kc.conf, systemd-modules-load
//   reads it at boot; loaded now with modprobe);
//   sysctls net.bridge.bridge-nf-call-iptables=1, net.ipv4.ip_forward=1 and, when the node has
//   IPv6, net.ipv6.conf.all.forwarding=1 (/etc/sysctl.d/90-kc.conf, for systemd-sysctl; set now
//   under /proc/sys).
// Both read /proc and /sys through kc::Host, so tests run them on a scratch root.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "common/aws/identity_step.h"
#include "common/core/plan.h"
#include "common/core/process.h"

namespace kc::node {

inline constexpr const char* kModulesLoadFile = "/etc/modules-load.d/kc.conf";
inline constexpr const char* kSysctlFile = "/etc/sysctl.d/90-kc.conf";

using ProcessRunner = std::function<Result<ProcessResult>(const ProcessSpec&)>;

// The file content kc persists, one module a line.
std::string modules_load_content();

class KernelModulesStep final : public Step {
 public:
  // `run` (default kc::run_process) runs modprobe.
  explicit KernelModulesStep(ProcessRunner run = {});
  std::string describe() const override { return "kernel modules overlay, br_netfilter"; }
  Result<Findings> check(const StepContext& context) override;
  Status apply(const StepContext& context, std::vector<Change>& changes) override;

 private:
  ProcessRunner run_;
};

struct Sysctl {
  std::string key;                // "net.ipv4.ip_forward"
  std::string value;              // "1"
  std::string proc_path() const;  // "/proc/sys/net/ipv4/ip_forward"
};

// The sysctls a node needs; IPv6 forwarding only when the node has an IPv6 address.
std::vector<Sysctl> node_sysctls(bool ipv6);
std::string sysctl_file_content(const std::vector<Sysctl>& sysctls);

class SysctlStep final : public Step {
 public:
  // IPv6 forwarding is added when the resolved identity has IPv6 addresses.
  explicit SysctlStep(std::shared_ptr<aws::ResolvedIdentity> identity);
  std::string describe() const override;
  Result<Findings> check(const StepContext& context) override;
  Status apply(const StepContext& context, std::vector<Change>& changes) override;

 private:
  std::shared_ptr<aws::ResolvedIdentity> identity_;
  std::vector<Sysctl> wanted_;  // as of the last check()
};

}  // namespace kc::node
